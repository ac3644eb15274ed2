// The key book and check words through orthoshare.browser, as the page's Send form uses
// them: the words list is read from the package in Pyodide, and agrees with CPython's.

import { js } from "./boot.mjs";
import { check, test } from "./harness.mjs";

// The public key of age's README and its check words, as tests/unit/test_keys.py pins them.
const README_KEY = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
const README_WORDS = "essay same reduce fantasy company time";

function expectError(result, message, what) {
  check(result.error?.kind === "KeyBookError", `${what}: ${JSON.stringify(result)}`);
  check(result.error.message.includes(message), `${what}: ${result.error.message}`);
}

/** Check words of a key, a book read and extended, and its bad lines refused. */
export async function checkKeyBook({ browser }) {
  await test("check words in Pyodide equal CPython's", () => {
    const parsed = js(browser.parse_recipient(README_KEY.toUpperCase()));
    check(parsed.key === README_KEY && parsed.check_words === README_WORDS, JSON.stringify(parsed));
  });

  await test("key book: add colleagues, read them back by name with check words", () => {
    const other = js(browser.keygen()).public_key;
    const first = js(browser.add_to_key_book("", "Dr Kim, Smile Surgery", README_KEY));
    const second = js(browser.add_to_key_book(first.text, "Dr Lee", other));
    check(second.text === `# Dr Kim, Smile Surgery\n${README_KEY}\n# Dr Lee\n${other}\n`, second.text);
    const read = js(browser.read_key_book(second.text));
    check(read.entries.length === 2, JSON.stringify(read));
    check(read.entries[0].name === "Dr Kim, Smile Surgery" && read.entries[0].check_words === README_WORDS, "first");
    check(read.entries[1].name === "Dr Lee" && read.entries[1].key === other, "second");
  });

  await test("key book: a bad line, a duplicate name or key is refused by line", () => {
    const book = `# Dr Kim\n${README_KEY}\n`;
    expectError(js(browser.read_key_book("# Dr Kim\nage1nope\n")), "line 2: ", "not a key");
    expectError(js(browser.read_key_book(README_KEY)), "the key on line 1 has no name", "unnamed");
    expectError(js(browser.add_to_key_book(book, "DR KIM", js(browser.keygen()).public_key)), "already on line 2", "name twice");
    expectError(js(browser.add_to_key_book(book, "Dr Lee", README_KEY)), "already in the book as 'Dr Kim'", "key twice");
  });
}
