-- Converts MediaWiki wikitext to GitHub-flavoured Markdown with pandoc's own readers and writers.
-- Protocol: one JSON array of texts per input line; one JSON array of results per output line
-- (a Markdown string, or {error = "..."} for a text pandoc could not read). One process serves a
-- whole import, so the cost of starting pandoc is paid once, not once per revision.
--
-- Pages here cannot hold raw HTML (it shows as text, "<em>Pyrus</em>"), so the HTML formatting tags that
-- pandoc's reader leaves raw become Markdown (<em>, <i> emphasis; <b>, <strong> strong; <s>, <del>
-- strikethrough; <tt>, <code> code), tags without a Markdown form keep only their content (<u>, <sub> ...),
-- and pure wrapper tags used for styling (<span style=...>, <div>, <center>, <font>) are dropped.
local WRAPPER = {span = true, div = true, center = true, font = true, small = true, big = true}
local function code(inlines) return pandoc.Code(pandoc.utils.stringify(inlines)) end
local FORMAT = {
  i = pandoc.Emph, em = pandoc.Emph, b = pandoc.Strong, strong = pandoc.Strong,
  s = pandoc.Strikethrough, strike = pandoc.Strikethrough, del = pandoc.Strikethrough,
  tt = code, code = code, u = false, ins = false, sub = false, sup = false, small = false, big = false,
}

-- A table cell holding more than one line (a list, several paragraphs, a <br>) makes pandoc write the whole
-- table as HTML, which pages here show as tags. Such a cell becomes one line, its parts separated by "; ",
-- so the table stays a Markdown table; a cell spanning rows or columns (which Markdown tables cannot show)
-- is repeated in each row and column it spans.
local SEPARATOR = {pandoc.Str(";"), pandoc.Space()}

local function cell_inlines(blocks)
  local out = pandoc.Inlines({})
  local function add(inlines)
    if #inlines == 0 then return end
    if #out > 0 then out:extend(SEPARATOR) end
    out:extend(inlines)
  end
  for _, block in ipairs(blocks) do
    if block.t == "BulletList" or block.t == "OrderedList" then
      for _, item in ipairs(block.content) do add(cell_inlines(item)) end
    elseif block.t == "Plain" or block.t == "Para" or block.t == "Header" then
      add(block.content)
    else
      add(pandoc.utils.blocks_to_inlines({block}))
    end
  end
  return out:walk({LineBreak = function() return SEPARATOR end, SoftBreak = function() return pandoc.Space() end})
end

local function unspanned(rows)
  local pending = {}  -- column -> {cell = ..., rows = how many more rows it covers}
  for _, row in ipairs(rows) do
    local cells, column = {}, 1
    local function carry()
      while pending[column] do
        table.insert(cells, pandoc.Cell(pending[column].cell.contents, pending[column].cell.alignment))
        pending[column].rows = pending[column].rows - 1
        if pending[column].rows == 0 then pending[column] = nil end
        column = column + 1
      end
    end
    for _, cell in ipairs(row.cells) do
      carry()
      local one = pandoc.Cell(cell.contents, cell.alignment)
      for k = 0, cell.col_span - 1 do
        table.insert(cells, pandoc.Cell(one.contents, one.alignment))
        if cell.row_span > 1 then pending[column + k] = {cell = one, rows = cell.row_span - 1} end
      end
      column = column + cell.col_span
    end
    carry()
    row.cells = cells
  end
end

local function one_line_cells(tbl)
  local function rows(list)
    unspanned(list)
    for _, row in ipairs(list) do
      for _, cell in ipairs(row.cells) do cell.contents = {pandoc.Plain(cell_inlines(cell.contents))} end
    end
  end
  rows(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do rows(body.head) rows(body.body) end
  rows(tbl.foot.rows)
  return tbl
end

local function content(el) return el.content end  -- GFM has no form for it: pandoc would write raw HTML

local function tag_of(el)
  if el.t == "RawInline" and el.format == "html" then
    local closing, name = el.text:match("^<(/?)%s*(%a+)[^<>]*>$")
    if name then return name:lower(), closing == "/" end
  end
end

local function formatted(inlines)
  local out = pandoc.Inlines({})
  local i = 1
  while i <= #inlines do
    local el = inlines[i]
    local name, closing = tag_of(el)
    local close_at = nil
    if name and not closing and FORMAT[name] ~= nil then
      local depth = 0
      for j = i + 1, #inlines do
        local other, other_closing = tag_of(inlines[j])
        if other == name then
          if not other_closing then depth = depth + 1
          elseif depth == 0 then close_at = j break
          else depth = depth - 1 end
        end
      end
    end
    if close_at then
      local inner = pandoc.Inlines({})
      for k = i + 1, close_at - 1 do inner:insert(inlines[k]) end
      inner = formatted(inner)
      if FORMAT[name] then out:insert(FORMAT[name](inner)) else out:extend(inner) end
      i = close_at + 1
    else
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

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
      local doc = pandoc.read(text, "mediawiki"):walk({Inlines = formatted}):walk({
        RawInline = unwrap, RawBlock = unwrap, Subscript = content, Superscript = content, Underline = content,
        SmallCaps = content, Table = one_line_cells,
      })
      return pandoc.write(doc, "gfm", {wrap_text = "none"})
    end)
    results[i] = ok and converted or {error = tostring(converted)}
  end
  io.write(pandoc.json.encode(results), "\n")
  io.stdout:flush()
end
