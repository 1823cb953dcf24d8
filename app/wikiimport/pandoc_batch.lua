-- Converts MediaWiki wikitext to GitHub-flavoured Markdown with pandoc's own readers and writers.
-- Protocol: one JSON array of texts per input line; one JSON array of results per output line
-- (a Markdown string, or {error = "..."} for a text pandoc could not read). One process serves a
-- whole import, so the cost of starting pandoc is paid once, not once per revision.
for line in io.lines() do
  local texts = pandoc.json.decode(line, false)
  local results = {}
  for i, text in ipairs(texts) do
    local ok, converted = pcall(function()
      return pandoc.write(pandoc.read(text, "mediawiki"), "gfm", {wrap_text = "none"})
    end)
    results[i] = ok and converted or {error = tostring(converted)}
  end
  io.write(pandoc.json.encode(results), "\n")
  io.stdout:flush()
end
