-- The review's figures and tables, as each format shows them.
--
-- Figures (figures/NAME.svg, files of the release that review.md refers to): inline into the HTML
-- page, so that it needs no other file, in a wrapper that scrolls sideways on a narrow screen
-- (the figure keeps a readable size); drawn by Typst into the PDF with the figure's text alternative
-- (`image(alt: ...)`, the same text as the SVG's <desc>, which the HTML page shows to screen
-- readers), so that the PDF's Figure tag carries /Alt.
-- The template variable `figure-folder` (set by the build in its defaults file) is where the
-- staged release's figures/ folder is: relative to the working directory for HTML, and to the
-- Typst source file for the PDF (`figure-files`: relative to the working directory). Only the release's own figures are touched; each is an SVG
-- file the build drew itself, with its text alternative (title and description) inside.
--
-- Tables: in HTML, each table stays a table (table semantics intact) inside a focusable region
-- that scrolls sideways when the table is wider than the screen; in the PDF, columns whose cells
-- are all numbers are right-aligned and sized to their content, and the other columns share the
-- rest of the width (Typst's automatic column widths), instead of the widths pandoc derives from
-- the Markdown source's dashes.
local folder = tostring(PANDOC_WRITER_OPTIONS.variables["figure-folder"] or ".")
-- The same folder relative to the working directory, where this filter reads the SVG files.
local files = tostring(PANDOC_WRITER_OPTIONS.variables["figure-files"] or folder)

local function is_figure(src)
  return src:match("^figures/[%w%-]+%.svg$") ~= nil
end

local function read(path)
  local file = assert(io.open(path, "r"))
  local text = file:read("a")
  file:close()
  return text
end

-- The text of the SVG's <desc> (escaped by the figure stage as HTML escapes text), unescaped.
local function description(svg)
  local text = svg:match("<desc[^>]*>(.-)</desc>") or ""
  text = text:gsub("&quot;", '"'):gsub("&#x27;", "'"):gsub("&#39;", "'"):gsub("&lt;", "<"):gsub("&gt;", ">")
  return (text:gsub("&amp;", "&"))
end

-- A Typst string literal.
local function typst_string(text)
  local escaped = text:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n"):gsub("\r", "\\r")
  return '"' .. escaped .. '"'
end

function Image(image)
  if not is_figure(image.src) then
    return nil
  end
  local path = folder .. "/" .. image.src
  local svg = read(files .. "/" .. image.src)
  if FORMAT:match("html") then
    return pandoc.RawInline("html", '<span class="figure-scroll" tabindex="0">' .. svg .. "</span>")
  end
  if FORMAT:match("typst") then
    return pandoc.RawInline("typst", "#box(image(" .. typst_string(path) .. ", alt: "
      .. typst_string(description(svg)) .. "))")
  end
  image.src = path
  return image
end

-- Whether every non-empty body cell of column *index* is a number, a percentage or a range of numbers
-- ("54,468", "85", "0.65 to 0.77", "−0.1").
local function numeric_column(tbl, index)
  local seen = false
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      local cell = row.cells[index]
      if cell then
        local text = pandoc.utils.stringify(cell.contents):gsub(" to ", ""):gsub("%s", "")
        if text ~= "" then
          if not text:match("^[%d%.,%%%(%)%-−–]+$") then
            return false
          end
          seen = true
        end
      end
    end
  end
  return seen
end

-- The table's label ("Table 2", an appendix's "Table A1", from its caption) and an identifier made from it
-- ("tbl-2"; the table's own, if it has one), which links to the table can name.
local function caption_label(tbl)
  local text = pandoc.utils.stringify(tbl.caption.long or {})
  local number = text:match("^Table (%u?%d+)")
  local identifier = tbl.identifier ~= "" and tbl.identifier or (number and "tbl-" .. number or "")
  return number and "Table " .. number or (text ~= "" and text or "Table"), identifier
end

function Table(tbl)
  if FORMAT:match("html") then
    local label, identifier = caption_label(tbl)
    tbl.identifier = ""
    return pandoc.Div({tbl}, pandoc.Attr(identifier, {"table-scroll"},
      {{"tabindex", "0"}, {"role", "region"}, {"aria-label", label}}))
  end
  if FORMAT:match("typst") then
    for index, spec in ipairs(tbl.colspecs) do
      local align = numeric_column(tbl, index) and "AlignRight" or spec[1]
      tbl.colspecs[index] = {align, "ColWidthDefault"}
    end
    return tbl
  end
  return nil
end
