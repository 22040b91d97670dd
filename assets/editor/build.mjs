// Builds server/web/static/vendor/sparql-editor.js (one minified file, no network at run time) and
// beside it sparql-editor.LICENSES.txt: the name, version and licence text of every npm package the
// bundle contains, found from esbuild's metafile. Run by `make vendor` after `npm ci`.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const out = "../../server/web/static/vendor/sparql-editor.js";
const result = await build({
  entryPoints: ["src/editor.js"], bundle: true, minify: true, format: "iife", target: "es2020",
  legalComments: "none", outfile: out, metafile: true, logLevel: "info",
});
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) packages.add(m[1]);
}
let text = "Third-party code bundled into sparql-editor.js (built from assets/editor/ by `make vendor`).\n" +
  "The bundle's own glue, assets/editor/src/editor.js, is Apache-2.0 like the rest of cec-kg.\n";
for (const name of [...packages].sort()) {
  const dir = join("node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = ["LICENSE", "LICENSE.md", "LICENSE.txt"].map((f) => join(dir, f)).find(existsSync);
  text += `\n${"=".repeat(78)}\n${name} ${pkg.version} (${pkg.license})\n${"=".repeat(78)}\n` +
    (file ? readFileSync(file, "utf8") : `licence: ${pkg.license}\n`);
}
writeFileSync(out.replace(/\.js$/, ".LICENSES.txt"), text);
console.log(`licences of ${packages.size} packages written`);

// The world outline the result maps draw (server side, no tiles, no network): Natural Earth's land at
// 1:110m as TopoJSON, from the world-atlas package (ISC; the Natural Earth data is in the public domain).
const atlas = "../../server/web/static/vendor/world-atlas";
mkdirSync(atlas, { recursive: true });
copyFileSync("node_modules/world-atlas/land-110m.json", `${atlas}/land-110m.json`);
const atlasPkg = JSON.parse(readFileSync("node_modules/world-atlas/package.json", "utf8"));
writeFileSync(`${atlas}/LICENSE.txt`, `world-atlas ${atlasPkg.version} (${atlasPkg.license}): land-110m.json, ` +
  "built from Natural Earth (naturalearthdata.com), whose data is in the public domain.\n\n" +
  readFileSync("node_modules/world-atlas/LICENSE", "utf8"));
console.log("world outline copied");
