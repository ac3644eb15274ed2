"""The ``orthoshare`` command: keygen, keys, seal, open, inspect.

It only parses arguments, asks for passphrases and prints; the work is done
by :mod:`orthoshare.pipeline`. Expected failures print ``orthoshare: error:``
and, when there is something to do about it, ``orthoshare: hint:``; no traceback.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__, age, keys, pipeline
from .bundle.manifest import KINDS, Manifest
from .bundle.writer import Annotation, Details
from .chart import chart
from .errors import OrthoshareError, OutputExistsError, hint_for
from .passphrase import generate_passphrase
from .records import RADIOGRAPH_MODALITIES, DeidentifyChoices, Party, Patient
from .request import SealRequest, parse_recipient


class _CommandLineError(Exception):
    """An error found by the command line itself, with an optional hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _read_passphrase_file(path: str) -> str:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0]:
        raise _CommandLineError(f"{path} holds no passphrase on its first line")
    return lines[0]


def _ask(prompt: str, option: str = "--passphrase-file") -> str:
    try:
        return getpass.getpass(prompt)
    except (EOFError, OSError):
        raise _CommandLineError(
            "cannot ask for the passphrase: there is no terminal", f"give it with {option} FILE"
        ) from None


def _new_passphrase(args: argparse.Namespace) -> tuple[str, bool]:
    """Return the passphrase to seal with, and whether it was generated."""
    if args.passphrase_file:
        return _read_passphrase_file(args.passphrase_file), False
    first = _ask("Passphrase (leave empty to generate a strong one): ")
    if not first:
        return generate_passphrase(), True
    if _ask("Confirm passphrase: ") != first:
        raise _CommandLineError("the two passphrases differ")
    return first, False


def _read_book(path: str) -> keys.KeyBook:
    return keys.KeyBook.parse(Path(path).read_text(encoding="utf-8"))


def _recipients(args: argparse.Namespace) -> tuple[list[age.Recipient], str | None]:
    if args.passphrase and (args.recipient or args.recipients_file or args.to):
        raise _CommandLineError("use either -p or recipients (-r/-R/--to), not both")
    if args.to and not args.book:
        raise _CommandLineError(
            "say which key book holds the names given with --to", "add --book FILE"
        )
    if args.passphrase or args.passphrase_file:
        passphrase, generated = _new_passphrase(args)
        return [age.ScryptRecipient(passphrase)], passphrase if generated else None
    recipients: list[age.Recipient] = [parse_recipient(text) for text in args.recipient]
    for path in args.recipients_file:
        recipients += age.parse_recipients_file(Path(path).read_text(encoding="utf-8"))
    if args.to:
        recipients += _read_book(args.book).recipients(args.to)
    if not recipients:
        raise _CommandLineError(
            "say who can open the file", "add -p (passphrase) or -r age1… (key)"
        )
    return recipients, None


def _annotations(
    args: argparse.Namespace, inputs: Sequence[pipeline.PathInput]
) -> tuple[Annotation, ...]:
    by_path = {item.path.resolve(): i for i, item in enumerate(inputs)}
    fields: list[dict[str, str]] = [{} for _ in inputs]
    options = (
        ("label", args.label),
        ("view", args.view),
        ("kind", args.kind),
        ("radiograph", args.radiograph),
    )
    for option, values in options:
        for value in values:
            name, equals, text = value.partition("=")
            index = by_path.get(Path(name).resolve())
            if not equals or index is None:
                raise _CommandLineError(
                    f"--{option} {value!r} does not name an input file",
                    f"write --{option} FILE=VALUE with FILE one of the files being sealed",
                )
            fields[index][option] = text
    return tuple(Annotation(**f) for f in fields)


def _progress(step: str, done: int, total: int) -> None:
    percent = 100 * done // total if total else 100
    sys.stderr.write(f"\r{step} {percent:3d}% ({done / 1e6:.1f} of {total / 1e6:.1f} MB)")
    if done >= total:
        sys.stderr.write("\n")


def _progress_if_terminal() -> pipeline.Progress | None:
    return _progress if sys.stderr.isatty() else None


def _keygen(args: argparse.Namespace) -> None:
    if args.unprotected and args.passphrase_file:
        raise _CommandLineError("use either --unprotected or --passphrase-file, not both")
    if args.output and os.path.lexists(args.output):
        # Said before the passphrase is asked for, not after.
        raise OutputExistsError(f"{args.output} exists")
    identity = age.X25519Identity.generate()
    text = age.format_identity_file(identity)
    generated = None
    if not args.unprotected:
        passphrase, was_generated = _new_passphrase(args)
        text = age.protect_identity(text, passphrase)
        generated = passphrase if was_generated else None
    if args.output:
        try:
            # Created 0600 and never over an existing key file.
            fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise OutputExistsError(f"{args.output} exists") from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    if generated:
        print(f"orthoshare: generated passphrase: {generated}", file=sys.stderr)
        print("orthoshare: write it down and keep it apart from the identity file: "
              "without it the identity file opens nothing", file=sys.stderr)  # fmt: skip
    print(f"Public key: {identity.recipient}", file=sys.stderr)
    print(f"Check words: {keys.check_words(identity.recipient)}", file=sys.stderr)


def _print_key(name: str, recipient: age.X25519Recipient | age.HybridRecipient) -> None:
    print(name)
    print(f"  key:         {recipient}")
    print(f"  check words: {keys.check_words(recipient)}")


def _keys_add(args: argparse.Namespace) -> None:
    book = Path(args.book)
    text = book.read_text(encoding="utf-8") if book.exists() else ""
    added = keys.add_to_book(text, args.name, args.key)
    with age.atomic_output(book) as out:
        out.write(added.encode("utf-8"))
    entry = keys.KeyBook.parse(added).entries[-1]
    _print_key(f"added {entry.name} to {args.book}", entry.recipient)
    print("orthoshare: hint: compare the check words with the colleague's, by phone or in person",
          file=sys.stderr)  # fmt: skip


def _keys_list(args: argparse.Namespace) -> None:
    entries = _read_book(args.book).entries
    if not entries:
        print(f"orthoshare: {args.book} names no one yet", file=sys.stderr)
    for entry in entries:
        _print_key(entry.name, entry.recipient)


def _seal(args: argparse.Namespace) -> None:
    recipients, generated = _recipients(args)
    inputs = pipeline.collect_inputs(args.paths)
    request = SealRequest(
        recipients=tuple(recipients),
        details=Details(
            patient=Patient(
                args.patient_name, args.patient_id, args.patient_birth_date, args.patient_sex
            ),
            sender=Party(args.sender_name, args.sender_organization, args.sender_contact),
            recipient=Party(args.recipient_name),
            note=args.note,
            consent=args.consent,
        ),
        annotations=_annotations(args, inputs),
        armor=args.armor,
        allow_mixed_patients=args.allow_mixed_patients,
        deidentify=_deidentify_choices(args),
    )
    result = pipeline.seal(inputs, request, args.output, progress=_progress_if_terminal())
    print(result.path)
    # Files the bundle makes for itself have no original name; de-identified
    # sending may have left some inputs out.
    count = sum(1 for e in result.manifest.entries if e.original_name and e.derived_from is None)
    made = sum(1 for entry in result.manifest.entries if entry.derived_from is not None)
    also = f", with {made} DICOM object{'s' * (made != 1)} made from them" if made else ""
    print(f"orthoshare: sealed {count} file{'s' * (count != 1)}{also}", file=sys.stderr)
    for entry in result.manifest.entries:
        if entry.dicom_note:
            print(f"orthoshare: note: {entry.original_name}: {entry.dicom_note}", file=sys.stderr)
    _say_deidentification(result)
    if made_up := result.manifest.made_up_patient_id:
        print(
            f"orthoshare: hint: no patient ID was given, so the DICOM objects carry the made-up "
            f"ID {made_up}; imaging software files records by patient ID: give the "
            "practice's own with --patient-id",
            file=sys.stderr,
        )
    if generated:
        print(f"orthoshare: generated passphrase: {generated}", file=sys.stderr)
        print("orthoshare: send it by another channel than the file", file=sys.stderr)


_DEIDENTIFY_SWITCHES = (
    "remove_dates", "remove_descriptions", "remove_patient_characteristics",
    "send_burned_in", "send_uncleanable", "leave_out_face_photos",
)  # fmt: skip


def _deidentify_choices(args: argparse.Namespace) -> DeidentifyChoices | None:
    if args.deidentify is None:
        used = [name for name in _DEIDENTIFY_SWITCHES if getattr(args, name)]
        if used:
            option = "--" + used[0].replace("_", "-")
            raise _CommandLineError(
                f"{option} applies only to de-identified sending",
                hint='add --deidentify with a pseudonym, e.g. --deidentify "Case 12"',
            )
        return None
    return DeidentifyChoices(
        pseudonym=args.deidentify,
        retain_modified_dates=not args.remove_dates,
        clean_descriptors=not args.remove_descriptions,
        retain_patient_characteristics=not args.remove_patient_characteristics,
        send_burned_in=args.send_burned_in,
        send_face_photos=not args.leave_out_face_photos,
        send_uncleanable=args.send_uncleanable,
    )


def _say_deidentification(result: pipeline.SealResult) -> None:
    """Tell the sender what de-identification did, and the offset only they are given."""
    done = result.manifest.deidentification
    if done is None:
        return
    say = functools.partial(print, file=sys.stderr)
    cleaned = f"{len(done.altered)} file{'s' * (len(done.altered) != 1)} cleaned"
    say(f"orthoshare: de-identified as {done.pseudonym!r}: {cleaned}")
    if result.date_offset_days is not None:
        say(
            f"orthoshare: every date was moved by {result.date_offset_days} days; "
            "the file does not hold this number: keep it to find the true dates again"
        )
    for line in done.left_out:
        say(f"orthoshare: left out: {line}")
    for sent in done.sent_anyway:
        say(f"orthoshare: sent anyway: {sent.name}: {sent.how}")


def _identity_file(path: str, passphrase_file: str | None) -> list[age.Identity]:
    """The identities of an identity file, plain or protected by a passphrase as age's are."""
    data = Path(path).read_bytes()
    if not age.is_protected_identity(data):
        return list(age.parse_identity_file(data.decode("utf-8")))
    if passphrase_file:
        passphrase = _read_passphrase_file(passphrase_file)
    else:
        passphrase = _ask(f"Passphrase for identity file {path}: ", "--identity-passphrase-file")
    return list(age.parse_identity_file(age.open_protected_identity(data, passphrase, path)))


def _identities(args: argparse.Namespace) -> list[age.Identity]:
    if args.passphrase or args.passphrase_file:
        if args.identity:
            raise _CommandLineError("use either -p or -i, not both")
        if args.passphrase_file:
            return [age.ScryptIdentity(_read_passphrase_file(args.passphrase_file))]
        return [age.ScryptIdentity(_ask("Passphrase: "))]
    identities: list[age.Identity] = []
    # A file named twice is read, and its passphrase asked for, once.
    for path in dict.fromkeys(args.identity):
        identities += _identity_file(path, args.identity_passphrase_file)
    if not identities:
        raise _CommandLineError(
            "say how to open the file", "add -i IDENTITY_FILE or -p (passphrase)"
        )
    return identities


def _print_manifest(manifest: Manifest) -> None:
    patient, sender = manifest.patient, manifest.sender
    facts = [
        ("patient", " · ".join(v for v in (patient.name, patient.id, patient.birth_date) if v)),
        ("from", " · ".join(v for v in (sender.name, sender.organization, sender.contact) if v)),
        ("to", manifest.recipient.name),
        ("sealed", manifest.created),
        ("note", manifest.note),
        ("consent", manifest.consent),
    ]
    for name, value in facts:
        if value:
            print(f"{name + ':':<9}{value}")
    for index, group in enumerate(chart(manifest)):
        if group.kind == "study":
            label, count = f"Study {group.title}", f"{len(group.series)} series, "
            count += f"{group.count} image{'s' * (group.count != 1)}"
        else:
            label, count = group.title, f"{group.count} file{'s' * (group.count != 1)}"
        print(f"{'' if index else 'records:':<9}{label}: {count}, {group.size} bytes")
    print(f"files:   {len(manifest.entries)}, all verified")
    for entry in manifest.entries:
        study = entry.dicom.study_summary if entry.dicom else ""
        extra = " · ".join(v for v in (entry.label, entry.view, study) if v)
        print(f"  {entry.path}  {entry.size} bytes  {entry.kind}  {extra}".rstrip())
        if entry.dicom_note:
            print(f"    {entry.dicom_note}")


def _open(args: argparse.Namespace) -> None:
    if not args.list and not args.output:
        raise _CommandLineError(
            "say where to put the files", "add -o NEW_FOLDER, or --list to only check"
        )
    identities = _identities(args)
    if args.list:
        manifest = pipeline.list_(args.file, identities, progress=_progress_if_terminal())
    else:
        manifest = pipeline.open_(
            args.file, identities, args.output, progress=_progress_if_terminal()
        )
    _print_manifest(manifest)
    if not args.list:
        print(f"orthoshare: files written to {args.output}", file=sys.stderr)


# A key file is a few lines; a sealed file is read only as far as its header.
_KEY_FILE_START = 64 * 1024


def _inspect_key_file(path: str, text: str) -> bool:
    """Print the public keys of an identity file or a key book, with their check words;
    False if ``text`` is neither."""
    lines = [line.strip() for line in text.splitlines()]
    if any(line.upper().startswith("AGE-SECRET-KEY-") for line in lines):
        identities = age.parse_identity_file(text)
        print(f"file:       {path} (identity file: keep it secret)")
        for identity in identities:
            _print_key("public key", identity.recipient)
        return True
    if any(line.lower().startswith("age1") for line in lines):
        entries = keys.KeyBook.parse(text, names_required=False).entries
        print(f"file:       {path} (public keys)")
        for entry in entries:
            _print_key(entry.name or "(no name)", entry.recipient)
        return True
    return False


def _inspect(args: argparse.Namespace) -> None:
    with open(args.file, "rb") as file:
        start = file.read(_KEY_FILE_START)
    # An age file (a sealed file, or a protected identity) is described by its header.
    if not age.is_protected_identity(start):
        try:
            text = start.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if _inspect_key_file(args.file, text):
            return
    inspection = pipeline.inspect(args.file)
    form = "text (armored)" if inspection.armored else "binary"
    print(f"file:       {args.file} ({inspection.size} bytes, {form} age file)")
    for recipient in inspection.recipients:
        print(f"opens with: {recipient}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orthoshare",
        description="Seal a patient's records into one encrypted file, and open it again.",
    )
    parser.add_argument("--version", action="version", version=f"orthoshare {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="make a key pair (identity file + public key)")
    keygen.add_argument("-o", "--output", help="write the identity file here (default: stdout)")
    keygen.add_argument(
        "--passphrase-file", help="protect it with the passphrase on this file's first line"
    )
    keygen.add_argument(
        "--unprotected", action="store_true", help="write it without a passphrase (as age-keygen)"
    )
    keygen.set_defaults(run=_keygen)

    book = commands.add_parser("keys", help="a key book: colleagues' public keys by name")
    book_commands = book.add_subparsers(dest="action", required=True, metavar="ACTION")
    adder = book_commands.add_parser("add", help="add a colleague's public key to a key book")
    adder.add_argument("name", help='the colleague, e.g. "Dr Kim, Smile Surgery"')
    adder.add_argument("key", help="their public key, age1…")
    adder.add_argument("--book", required=True, help="the key book (made if missing)")
    adder.set_defaults(run=_keys_add)
    lister = book_commands.add_parser("list", help="list a key book: names, keys, check words")
    lister.add_argument("--book", required=True, help="the key book")
    lister.set_defaults(run=_keys_list)

    seal = commands.add_parser("seal", help="seal files and folders into one encrypted file")
    seal.add_argument("paths", nargs="+", metavar="PATH", help="files and folders to seal")
    seal.add_argument("-o", "--output", required=True, help="a folder, or the new file's name")
    who = seal.add_argument_group("who can open it")
    who.add_argument("-p", "--passphrase", action="store_true", help="protect with a passphrase")
    who.add_argument("--passphrase-file", help="read the passphrase from the file's first line")
    who.add_argument("-r", "--recipient", action="append", default=[], help="an age1… key")
    who.add_argument(
        "-R", "--recipients-file", action="append", default=[], help="a file of age1… keys"
    )
    who.add_argument("--to", action="append", default=[], metavar="NAME",
                     help="a colleague named in the key book (--book)")  # fmt: skip
    who.add_argument("--book", help="the key book that --to names are read from")
    about = seal.add_argument_group("details recorded in the file")
    for option in (
        "patient-name",
        "patient-id",
        "patient-birth-date",
        "sender-name",
        "sender-organization",
        "sender-contact",
        "recipient-name",
        "note",
        "consent",
    ):
        about.add_argument(f"--{option}", default="")
    about.add_argument("--patient-sex", default="", choices=["", "F", "M", "O"])
    about.add_argument(
        "--allow-mixed-patients",
        action="store_true",
        help="seal even though the DICOM files name different patients (checked first)",
    )
    about.add_argument("--radiograph", action="append", default=[], metavar="FILE=TYPE",
                       help=f"mark a radiograph: {' or '.join(RADIOGRAPH_MODALITIES)}")  # fmt: skip
    about.add_argument("--label", action="append", default=[], metavar="FILE=TEXT")
    about.add_argument("--view", action="append", default=[], metavar="FILE=CODE",
                       help="ADA-1100 view code, e.g. IV01")  # fmt: skip
    about.add_argument("--kind", action="append", default=[], metavar="FILE=KIND",
                       help=f"one of {', '.join(KINDS)}")  # fmt: skip
    deid = seal.add_argument_group(
        "de-identified sending (PS3.15 Annex E; photo and scan metadata removed; neutral names)"
    )
    deid.add_argument(
        "--deidentify", metavar="PSEUDONYM", help='send de-identified as PSEUDONYM, e.g. "Case 12"'
    )
    for switch, says in (
        ("remove-dates", "remove dates, rather than move them all by one random offset"),
        ("remove-descriptions", "remove descriptions, rather than clean identifiers out of them"),
        ("remove-patient-characteristics", "remove sex, age, size and weight"),
        ("send-burned-in", "also send DICOM objects that may show identity in their pixels"),
        ("send-uncleanable", "also send files that cannot be cleaned (PDF, HEIC, TIFF…)"),
        ("leave-out-face-photos", "leave out photos that may show the face"),
    ):
        deid.add_argument(f"--{switch}", action="store_true", help=says)
    seal.add_argument("-a", "--armor", action="store_true", help="write a text (armored) file")
    seal.set_defaults(run=_seal)

    opener = commands.add_parser("open", help="decrypt, verify and extract a sealed file")
    opener.add_argument("file", help="the .zip.age file")
    opener.add_argument("-o", "--output", help="a new folder for the files")
    opener.add_argument("--list", action="store_true", help="verify and list; write nothing")
    opener.add_argument("-i", "--identity", action="append", default=[], help="identity file")
    opener.add_argument(
        "--identity-passphrase-file",
        metavar="FILE",
        help="read a protected identity file's passphrase from FILE's first line",
    )
    opener.add_argument("-p", "--passphrase", action="store_true", help="ask for the passphrase")
    opener.add_argument("--passphrase-file", help="read the passphrase from the file's first line")
    opener.set_defaults(run=_open)

    inspector = commands.add_parser(
        "inspect", help="say how a file is protected, or the keys of a key file; no key needed"
    )
    inspector.add_argument("file")
    inspector.set_defaults(run=_inspect)
    return parser


def _fail(message: str, hint: str) -> NoReturn:
    print(f"orthoshare: error: {message}", file=sys.stderr)
    if hint:
        print(f"orthoshare: hint: {hint}", file=sys.stderr)
    raise SystemExit(1)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 on success)."""
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except (age.AgeError, OrthoshareError, _CommandLineError) as error:
        _fail(str(error), error.hint if isinstance(error, _CommandLineError) else hint_for(error))
    except OSError as error:
        _fail(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "), "")
    except KeyboardInterrupt:
        print("\northoshare: interrupted", file=sys.stderr)
        return 130
    return 0
