-- Converts MediaWiki wikitext to GitHub-flavoured Markdown with pandoc's own readers and writers.
-- Protocol: one JSON array of texts per input line; one JSON array of results per output line
-- (a Markdown string, or {error = "..."} for a text pandoc could not read). One process serves a
-- whole import, so the cost of starting pandoc is paid once, not once per revision.
--
-- Pages here cannot hold raw HTML (it shows as text), so pure wrapper tags that wikitext uses for
-- styling (<span style=...>, <div>, <center>, <font>, <small>, <big>) are dropped, keeping what they wrap.
local WRAPPER = {span = true, div = true, center = true, font = true, small = true, big = true}

local function unwrap(raw)
  if raw.format == "html" then
    local name = raw.text:match("^</?%s*(%a+)[^<>]*>$")
    if name and WRAPPER[name:lower()] then
      return {}
    end
  end
end

for line in io.lines() do
  local texts = pandoc.json.decode(line, false)
  local results = {}
  for i, text in ipairs(texts) do
    local ok, converted = pcall(function()
      local doc = pandoc.read(text, "mediawiki"):walk({RawInline = unwrap, RawBlock = unwrap})
      return pandoc.write(doc, "gfm", {wrap_text = "none"})
    end)
    results[i] = ok and converted or {error = tostring(converted)}
  end
  io.write(pandoc.json.encode(results), "\n")
  io.stdout:flush()
end
