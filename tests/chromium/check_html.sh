#!/usr/bin/env bash
# Loads an HTML report in headless Chromium and checks what a reader would see:
#   - no console message at all (the report has no script: any message is an error, an uncaught
#     exception, or a blocked injected script reported by the page's Content-Security-Policy);
#   - no <script> element, no on* event-handler attribute, no element that loads something;
#   - every plot (svg.plot) has a size; each expected series (`g.series[data-series=NAME]`) is drawn
#     (a line or band path with a non-empty d and bounding box: give series of 2+ points) in at
#     least one plot, and in every other plot its legend says "NAME (no data)";
#   - each expected string is in the page's text, i.e. user strings with markup stayed text.
# The report is opened inside a small wrapper page (same origin thanks to
# --allow-file-access-from-files) whose script inspects the report's live DOM and writes its findings
# into its own DOM, which --dump-dom prints.
# Usage: check_html.sh REPORT.html EXPECTATIONS
#   EXPECTATIONS: one per line: `plots N` (at least N plots), `series NAME`, `text STRING`; `#` comments.
# Exit 0 pass, 1 fail, 77 skip (Chromium not installed: one line says so).
set -u
report=$1
expectations=$2
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [[ -z $chromium ]]; then
  echo "SKIP: chromium is not installed (Debian package chromium; bash cmake/setup.sh installs it)"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/headroom-chromium.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$report" "$work/report.html"
expected_b64=$(base64 -w0 < "$expectations")

cat > "$work/wrapper.html" <<WRAPPER
<!DOCTYPE html><html><head><meta charset="utf-8"><title>headroom html check</title></head><body>
<pre id="result">checker did not run</pre>
<iframe id="report" src="report.html" width="1280" height="1000"></iframe>
<script>
const expected = new TextDecoder().decode(Uint8Array.from(atob("$expected_b64"), c => c.charCodeAt(0)));
const lines = [];
const fail = (message) => lines.push("FAIL: " + message);
function check() {
  const doc = document.getElementById("report").contentDocument;
  if (!doc || !doc.body) return fail("cannot read the loaded report");
  if (doc.characterSet !== "UTF-8") fail("character set " + doc.characterSet + ", expected UTF-8");
  const scripts = doc.querySelectorAll("script").length;
  if (scripts) fail(scripts + " <script> element(s) in the report");
  for (const el of doc.querySelectorAll("*"))
    for (const attribute of el.attributes)
      if (/^on/i.test(attribute.name)) fail("event handler " + attribute.name + " on <" + el.localName + ">");
  for (const el of doc.querySelectorAll("iframe,object,embed,link,img,image,video,audio,base,form,use,foreignObject"))
    fail("unexpected <" + el.localName + "> element");
  const plots = [...doc.querySelectorAll("svg.plot")];
  for (const svg of plots) {
    const box = svg.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) fail("plot " + JSON.stringify(svg.querySelector("title")?.textContent) + " has no size");
  }
  const series = [...doc.querySelectorAll("svg.plot g.series")];
  const text = doc.body.textContent;
  for (const line of expected.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.indexOf(" ");
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? "" : line.slice(space + 1);
    if (key === "plots") {
      if (plots.length < Number(value)) fail(plots.length + " plots, expected at least " + value);
      else lines.push("ok: " + plots.length + " plots");
    } else if (key === "series") {
      const groups = series.filter(g => g.getAttribute("data-series") === value);
      if (groups.length === 0) { fail("no series " + JSON.stringify(value)); continue; }
      let drawn = 0, declared_empty = 0;
      for (const g of groups) {
        // Its line (or stacked band), drawn with a non-empty box; or, when the series has no value
        // in that plot, the legend saying "NAME (no data)".
        const path = g.querySelector("path.line, path.band");
        const box = path && (path.getAttribute("d") || "").trim() !== "" ? path.getBBox() : null;
        if (box && (box.width > 0 || box.height > 0)) { ++drawn; continue; }
        const legend = [...g.ownerSVGElement.querySelectorAll("g.legend text, g.legend title")].map(t => t.textContent);
        if (legend.includes(value + " (no data)")) ++declared_empty;
        else fail("series " + JSON.stringify(value) + " has no drawn path (and its legend does not say no data)");
      }
      if (drawn === 0) fail("series " + JSON.stringify(value) + " is drawn in no plot");
      lines.push("ok: series " + JSON.stringify(value) + " drawn in " + drawn + " plot(s)" +
                 (declared_empty ? ", no data in " + declared_empty : ""));
    } else if (key === "text") {
      if (!text.includes(value)) fail("not shown as text: " + JSON.stringify(value));
      else lines.push("ok: text " + JSON.stringify(value));
    } else {
      fail("bad expectation line: " + JSON.stringify(line));
    }
  }
}
window.addEventListener("load", () => {
  try { check(); } catch (e) { fail("checker error: " + e); }
  lines.push("CHECK-DONE");
  document.getElementById("result").textContent = lines.join("\n");
});
</script></body></html>
WRAPPER

timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --user-data-dir="$work/profile" --allow-file-access-from-files --enable-logging=stderr --v=0 \
  --virtual-time-budget=10000 --dump-dom "file://$work/wrapper.html" > "$work/dom.html" 2> "$work/stderr"
status=$?
failures=0
if [[ $status -ne 0 ]]; then
  echo "FAIL: chromium exited with status $status; its stderr:"
  tail -20 "$work/stderr"
  exit 1
fi
# Every console message (errors, uncaught exceptions, CSP refusals all log as CONSOLE lines).
while IFS= read -r line; do
  echo "FAIL: console: ${line#*CONSOLE}"
  failures=$((failures + 1))
done < <(grep -a ':CONSOLE' "$work/stderr")
result=$(sed -n '/<pre id="result">/,/<\/pre>/p' "$work/dom.html" | sed -e 's/<pre id="result">//' -e 's/<\/pre>.*//' \
         -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e 's/&amp;/\&/g')
echo "$result" | grep -v '^CHECK-DONE$'
grep -q '^CHECK-DONE$' <<< "$result" || { echo "FAIL: the checker did not finish"; failures=$((failures + 1)); }
failures=$((failures + $(grep -c '^FAIL:' <<< "$result")))
if ((failures)); then
  echo "$report: $failures failure(s)"
  exit 1
fi
echo "$report: ok"
