-- The review's figures (figures/NAME.svg, files of the release that review.md refers to):
-- inline into the HTML page, so that it needs no other file, and drawn by Typst into the PDF.
-- The template variable `figure-folder` (set by the build in its defaults file) is where the
-- staged release's figures/ folder is: relative to the working directory for HTML, and to the
-- Typst source file for the PDF. Only the release's own figures are touched; each is an SVG
-- file the build drew itself, with its text alternative (title and description) inside.
local folder = tostring(PANDOC_WRITER_OPTIONS.variables["figure-folder"] or ".")

local function is_figure(src)
  return src:match("^figures/[%w%-]+%.svg$") ~= nil
end

function Image(image)
  if not is_figure(image.src) then
    return nil
  end
  local path = folder .. "/" .. image.src
  if FORMAT:match("html") then
    local file = assert(io.open(path, "r"))
    local svg = file:read("a")
    file:close()
    return pandoc.RawInline("html", svg)
  end
  image.src = path
  return image
end
