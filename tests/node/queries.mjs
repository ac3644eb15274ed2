// The page's requests that seal and open nothing: what files are (describe), whom they
// name (patients), the ADA-1100 views, and the passphrase helpers.

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { js, venvPackage } from "./boot.mjs";
import { expectError } from "./bundles.mjs";
import { FakeFile, readSlice } from "./fake_files.mjs";
import { check, test } from "./harness.mjs";

/** describe on the sample files and on DICOM files, patients, and views. */
export async function checkDescribe({ browser, files }) {
  await test("describe sniffs kinds from content", () => {
    const described = js(browser.describe(files, readSlice));
    const kinds = described.map((d) => d.kind).join(",");
    check(kinds === "photo,document,scan,other,other", `kinds ${kinds}`);
    check(described[2].path === "scans/upper/jaw.stl" && described[2].name === "jaw.stl", "folder path");
    check(described[0].media_type === "image/jpeg" && described[0].format === "jpeg", "jpeg");
    check(described[3].size === files[3].size, "size");
  });

  await test("describe reads what DICOM files say; patients prefills and finds conflicts", () => {
    const shipped = join(venvPackage("pydicom"), "data", "test_files");
    const dicom = ["CT_small.dcm", "MR_small.dcm"].map((name) => new FakeFile(name, readFileSync(join(shipped, name))));
    const truncated = new FakeFile("cut.dcm", dicom[0].data.subarray(0, 1000));
    const described = js(browser.describe([...dicom, truncated], readSlice));
    const [ct, mr, cut] = described;
    check(ct.kind === "dicom" && ct.dicom.modality === "CT" && ct.dicom.patient_name_dicom === "CompressedSamples^CT1", `CT ${JSON.stringify(ct.dicom)}`);
    check(ct.dicom.study_date === "2004-01-19" && ct.dicom.patient_id === "1CT1", `CT study ${JSON.stringify(ct.dicom)}`);
    check(mr.dicom.modality === "MR" && !mr.error, `MR ${JSON.stringify(mr)}`);
    check(cut.error?.kind === "InputError" && !cut.dicom, `truncated DICOM: ${JSON.stringify(cut)}`);
    const found = (items) => items.map((d) => ({ path: d.path, dicom: d.dicom }));
    const blank = { name: "", id: "", birth_date: "", sex: "" };
    const one = js(browser.patients(JSON.stringify({ found: found([ct]), entered: blank })));
    check(one.suggested.id === "1CT1" && one.suggested.name === "CT1 CompressedSamples", `suggested ${JSON.stringify(one)}`);
    check(one.conflicts.length === 0, `conflicts ${one.conflicts}`);
    const two = js(browser.patients(JSON.stringify({ found: found([ct, mr]), entered: blank })));
    check(two.suggested === undefined && two.conflicts.length > 0, `two patients ${JSON.stringify(two)}`);
    const other = js(browser.patients(JSON.stringify({ found: found([ct]), entered: { ...blank, id: "P-9" } })));
    check(other.conflicts.some((text) => text.includes("P-9")), `entered patient ${JSON.stringify(other)}`);
    expectError(js(browser.patients(JSON.stringify({ found: [{ path: "x", dicom: { colour: "red" } }] }))), "RequestError", "bad identity");
  });

  await test("views lists the 73 photo and 9 3-D ADA-1100 views", () => {
    const views = js(browser.views());
    check(views.filter((v) => v.kind === "photo").length === 73, "photo views");
    check(views.filter((v) => v.kind === "3d").length === 9, "3-D views");
    check(views[0].code === "EV01" && views[0].meaning.length > 0, `first ${JSON.stringify(views[0])}`);
  });
}

/** generate_passphrase's shape (of `passphrase`, which it made) and passphrase_strength. */
export async function checkPassphraseHelpers({ browser, passphrase }) {
  await test("passphrase helpers", () => {
    check(/^([a-z2-9]{5}-){4}[a-z2-9]{5}$/.test(passphrase), passphrase);
    const weak = js(browser.passphrase_strength("molar"));
    const strong = js(browser.passphrase_strength(passphrase));
    check(weak.verdict === "weak" && strong.verdict === "strong" && strong.bits > 100, JSON.stringify([weak, strong]));
  });
}
