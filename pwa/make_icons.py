"""Draw Carnet's icons (PNG and SVG) from one set of shapes; rerun after any change.

Usage: python pwa/make_icons.py   (needs Pillow; writes into pwa/icons/, which /icons serves whole)

The logo is a white notebook with binding holes and a medical cross, on the
primary blue of carnet.css. Shapes are in a 100 x 100 box so the PNGs (drawn
with Pillow, supersampled for smooth edges) and favicon.svg cannot drift.
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent / "icons"
PRIMARY = "#1d4ed8"  # --primary in server/static/css/carnet.css
WHITE = "#ffffff"
SUPERSAMPLE = 4

HOLES = [(33.5, y, 3.2) for y in (30, 42, 54, 66)]  # binding holes: cx, cy, r
CROSS_CX, CROSS_CY, ARM, THICK = 54, 50, 28, 10


def shapes() -> list[tuple]:
    """Rounded rectangles and circles making the glyph, in the 100 x 100 box."""
    half, t = ARM / 2, THICK / 2
    return [
        ("rect", 27, 19, 75, 81, 7, WHITE),
        *(("circle", cx, cy, r, PRIMARY) for cx, cy, r in HOLES),
        ("rect", CROSS_CX - t, CROSS_CY - half, CROSS_CX + t, CROSS_CY + half, 2.5, PRIMARY),
        ("rect", CROSS_CX - half, CROSS_CY - t, CROSS_CX + half, CROSS_CY + t, 2.5, PRIMARY),
    ]


def render_png(size: int, *, full_bleed: bool, glyph_scale: float) -> Image.Image:
    """Full-bleed squares for maskable and Apple icons; rounded square otherwise."""
    big = size * SUPERSAMPLE
    unit = big / 100
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if full_bleed:
        draw.rectangle((0, 0, big, big), fill=PRIMARY)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=22 * unit, fill=PRIMARY)

    def at(v: float) -> float:  # scale a coordinate about the centre
        return (50 + (v - 50) * glyph_scale) * unit

    for kind, *args in shapes():
        if kind == "rect":
            x0, y0, x1, y1, r, colour = args
            draw.rounded_rectangle((at(x0), at(y0), at(x1), at(y1)), radius=r * glyph_scale * unit, fill=colour)
        else:
            cx, cy, r, colour = args
            rr = r * glyph_scale * unit
            draw.ellipse((at(cx) - rr, at(cy) - rr, at(cx) + rr, at(cy) + rr), fill=colour)
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    return image.convert("RGB") if full_bleed else image


def render_svg() -> str:
    parts = [f'<rect width="100" height="100" rx="22" fill="{PRIMARY}"/>']
    for kind, *args in shapes():
        if kind == "rect":
            x0, y0, x1, y1, r, colour = args
            parts.append(f'<rect x="{x0:g}" y="{y0:g}" width="{x1 - x0:g}" height="{y1 - y0:g}" rx="{r:g}" fill="{colour}"/>')
        else:
            cx, cy, r, colour = args
            parts.append(f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{colour}"/>')
    body = "\n  ".join(parts)
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">\n  {body}\n</svg>\n'


def main() -> None:
    render_png(192, full_bleed=False, glyph_scale=1).save(HERE / "icon-192.png", optimize=True)
    render_png(512, full_bleed=False, glyph_scale=1).save(HERE / "icon-512.png", optimize=True)
    # Maskable: the platform crops to its own shape; keep the glyph inside the
    # safe zone (a centred circle of radius 40 %), per the W3C manifest spec.
    render_png(512, full_bleed=True, glyph_scale=0.86).save(HERE / "maskable-512.png", optimize=True)
    # iOS rounds the corners itself and shows transparency as black.
    render_png(180, full_bleed=True, glyph_scale=0.9).save(HERE / "apple-touch-icon.png", optimize=True)
    (HERE / "favicon.svg").write_text(render_svg(), encoding="utf-8")


if __name__ == "__main__":
    main()
