"""Pictures for the demo dossier, drawn with Pillow: an X-ray, an MRI slice, an ultrasound, an ECG, a scan.

Every picture is drawn from a `random.Random`, never from Pillow's own noise
(which follows C's `rand()`), so the same seed gives the same bytes.
"""

from __future__ import annotations

import functools
import math
import random
import unicodedata
from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont


FONT_FILES = {"sans": "DejaVuSans.ttf", "mono": "DejaVuSansMono.ttf", "hand": "DejaVuSans-Oblique.ttf"}


@functools.cache
def font(size: int, style: str = "sans") -> ImageFont.FreeTypeFont:
    """DejaVu when the system has it (accents), else Pillow's bundled font (no accents: see `fit`)."""
    try:
        return ImageFont.truetype(FONT_FILES[style], size)
    except OSError:
        return ImageFont.load_default(size=size)


def fit(text: str, f: ImageFont.FreeTypeFont) -> str:
    """Drop accents when the font is Pillow's fallback, which has none."""
    if "DejaVu" in (f.getname()[0] or ""):
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def grain(rng: random.Random, size: tuple[int, int], *, scale: int = 2) -> Image.Image:
    """Grey noise around 128, drawn at 1/scale and blown up, so it looks like film grain and compresses."""
    w, h = (size[0] + scale - 1) // scale, (size[1] + scale - 1) // scale
    small = Image.frombytes("L", (w, h), rng.randbytes(w * h))
    return small.resize(size, Image.Resampling.BILINEAR)


def add_noise(image: Image.Image, rng: random.Random, amount: float) -> Image.Image:
    """Add grain of about ±128·amount grey levels (ImageChops.add with offset -128 keeps the sign)."""
    noise = grain(rng, image.size).point(lambda v: round(128 + (v - 128) * amount))
    if image.mode != "L":
        noise = noise.convert(image.mode)
    return ImageChops.add(image, noise, scale=1, offset=-128)


def write(draw: ImageDraw.ImageDraw, xy, text: str, *, size: int, style: str = "sans", **kwargs) -> None:
    f = font(size, style)
    draw.text(xy, fit(text, f), font=f, **kwargs)


def corner_text(image: Image.Image, corners: dict[str, Sequence[str]], *, size: int = 12, fill=235) -> None:
    """DICOM-style overlay: a few lines of text in each corner ("tl", "tr", "bl", "br")."""
    draw = ImageDraw.Draw(image)
    f = font(size, "mono")
    w, h = image.size
    for corner, lines in corners.items():
        for i, line in enumerate(lines):
            line = fit(line, f)
            x = 6 if corner[1] == "l" else w - 6 - draw.textlength(line, font=f)
            y = 5 + i * (size + 3) if corner[0] == "t" else h - 6 - (len(lines) - i) * (size + 3)
            draw.text((x, y), line, font=f, fill=fill)


def _smooth(keys: Sequence[tuple[float, float]], step: int = 4) -> list[tuple[float, float]]:
    """(y, half-width) key rows joined by cosine easing: the outline of a long bone."""
    rows = []
    for (y0, w0), (y1, w1) in zip(keys, keys[1:]):
        for y in range(int(y0), int(y1), step):
            ease = (1 - math.cos(math.pi * (y - y0) / (y1 - y0))) / 2
            rows.append((y, w0 + (w1 - w0) * ease))
    return rows + [keys[-1]]


def _shaft(draw: ImageDraw.ImageDraw, cx: float, keys, fill: int, top=(), bottom=()) -> None:
    rows = _smooth(keys)
    left = [(cx - hw, y) for y, hw in rows]
    right = [(cx + hw, y) for y, hw in reversed(rows)]
    draw.polygon(list(top) + left + list(bottom) + right, fill=fill)


# --- radiography and MRI ----------------------------------------------------------------


def xray_knee(rng: random.Random, corners: dict[str, Sequence[str]]) -> Image.Image:
    """A right knee, front view: femur, patella, tibia and fibula over soft tissue."""
    w, h, cx = 440, 560, 220
    soft = Image.new("L", (w, h), 0)
    ImageDraw.Draw(soft).polygon(
        [(80, 0), (360, 0), (342, 250), (348, 330), (326, h), (116, h), (92, 330), (98, 250)], fill=62
    )
    soft = soft.filter(ImageFilter.GaussianBlur(18))

    bone = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(bone)
    lobes = [(cx + x, 272 + 34 * math.sqrt(max(0.0, 1 - ((abs(x) - 52) / 48) ** 2))) for x in range(100, -101, -4)]
    _shaft(d, cx, [(0, 40), (150, 40), (250, 98), (272, 100)], 150, bottom=lobes)  # femur and condyles
    d.line(lobes, fill=178, width=3)  # subchondral bone
    spines = [(cx - 104, 326), (cx - 30, 320), (cx - 14, 306), (cx - 5, 318), (cx + 5, 318), (cx + 14, 306), (cx + 30, 320)]
    _shaft(d, cx, [(326, 104), (345, 102), (450, 42), (h, 40)], 150, top=spines[::-1])  # tibia
    d.line(spines + [(cx + 104, 326)], fill=178, width=3)
    d.ellipse((cx - 134, 360, cx - 90, 396), fill=138)  # fibular head, then its shaft
    d.polygon([(cx - 124, 390), (cx - 106, 390), (cx - 96, h), (cx - 112, h)], fill=138)
    canals = Image.new("L", (w, h), 0)
    _shaft(ImageDraw.Draw(canals), cx, [(0, 22), (140, 22), (215, 1)], 34)
    _shaft(ImageDraw.Draw(canals), cx, [(410, 1), (480, 22), (h, 22)], 34)
    bone = ImageChops.subtract(bone, canals.filter(ImageFilter.GaussianBlur(6))).filter(ImageFilter.GaussianBlur(1.5))
    trabeculae = grain(rng, (w, h), scale=3).point(lambda v: v // 10)
    bone = ImageChops.add(bone, ImageChops.multiply(trabeculae, bone.point(lambda v: 255 if v > 60 else 0)))

    patella = Image.new("L", (w, h), 0)
    ImageDraw.Draw(patella).ellipse((cx - 44, 184, cx + 44, 288), fill=30)
    patella = patella.filter(ImageFilter.GaussianBlur(5))

    image = ImageChops.add(ImageChops.add(Image.new("L", (w, h), 10), soft), ImageChops.add(bone, patella))
    image = add_noise(image, rng, 0.08)
    draw = ImageDraw.Draw(image)
    draw.rectangle((w - 62, 64, w - 34, 96), outline=230, width=2)
    write(draw, (w - 55, 66), "D", size=24, fill=240)  # the lead side marker: Droit
    corner_text(image, corners)
    return image


def mri_knee(rng: random.Random, corners: dict[str, Sequence[str]]) -> Image.Image:
    """A sagittal T1 slice of a knee (front to the left): marrow, cartilage, tendons, menisci, the ACL."""
    s = 384
    image = Image.new("L", (s, s), 0)
    d = ImageDraw.Draw(image)
    d.rounded_rectangle((42, -40, 352, 420), radius=70, fill=196)  # subcutaneous fat
    d.rounded_rectangle((58, -40, 336, 420), radius=60, fill=78)  # muscle
    d.ellipse((248, 140, 334, 272), fill=180)  # popliteal fat
    bones = Image.new("L", (s, s), 0)
    b = ImageDraw.Draw(bones)
    b.polygon([(160, -10), (236, -10), (262, 140), (168, 150)], fill=255)  # femur
    b.ellipse((150, 120, 292, 236), fill=255)
    b.polygon([(128, 254), (300, 254), (300, 264), (274, 300), (264, 400), (178, 400), (160, 300), (128, 264)], fill=255)
    b.ellipse((86, 112, 134, 210), fill=255)  # patella
    image.paste(38, mask=bones)  # cortex: a thin dark rim...
    image.paste(186, mask=bones.filter(ImageFilter.MinFilter(7)))  # ...around fatty marrow
    d.arc((145, 115, 297, 241), 5, 200, fill=128, width=5)  # cartilage
    d.line((130, 250, 298, 250), fill=128, width=4)
    d.arc((80, 106, 140, 216), 300, 60, fill=128, width=4)
    d.polygon([(138, 238), (168, 251), (138, 252)], fill=22)  # menisci
    d.polygon([(300, 236), (302, 252), (262, 252)], fill=22)
    d.polygon([(98, 206), (122, 208), (146, 302), (126, 300)], fill=24)  # patellar tendon
    d.polygon([(96, 118), (126, 114), (150, -10), (122, -10)], fill=26)  # quadriceps tendon
    d.polygon([(126, 214), (172, 238), (152, 252), (138, 290)], fill=205)  # Hoffa's fat pad
    d.line((192, 252, 236, 196), fill=34, width=6)  # anterior cruciate ligament
    image = image.filter(ImageFilter.GaussianBlur(1.3))
    image = add_noise(image, rng, 0.12)
    corner_text(image, corners, size=11)
    return image


def ultrasound(rng: random.Random, corners: dict[str, Sequence[str]], caliper: str) -> Image.Image:
    """A convex-probe view of the right iliac fossa: speckle in a fan, and a thick appendix in cross-section."""
    w, h = 480, 360
    ax, ay = w // 2, -40
    speckle = ImageChops.multiply(grain(rng, (w, h), scale=2), grain(rng, (w, h), scale=2)).point(lambda v: int(v * 0.75))
    layers = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(layers)
    for radius, gray, width in ((64, 190, 4), (104, 120, 3), (150, 150, 4), (176, 70, 18)):
        d.ellipse((ax - radius, ay - radius, ax + radius, ay + radius), outline=gray, width=width)
    for x, y in ((118, 262), (352, 250)):  # bowel gas, and the shadows it casts
        d.polygon([(x - 18, y + 8), (x + 18, y + 8), (x + 30, h), (x - 30, h)], fill=0)
        d.ellipse((x - 22, y - 6, x + 22, y + 10), fill=230)
    d.ellipse((170, 158, 310, 244), fill=150)  # inflamed fat around...
    d.ellipse((192, 172, 288, 230), fill=28)  # ...a thick hypoechoic wall...
    d.ellipse((214, 186, 266, 216), outline=200, width=3)  # ...and its bright mucosa: the target sign
    layers = layers.filter(ImageFilter.GaussianBlur(3))
    tissue = ImageChops.add(speckle.point(lambda v: v // 2), layers)
    tissue = ImageChops.multiply(tissue, ImageChops.add(speckle, layers).point(lambda v: min(255, 140 + v)))
    depth = Image.linear_gradient("L").resize((w, h)).point(lambda v: 255 - v // 3)
    tissue = ImageChops.multiply(tissue, depth)
    fan = Image.new("L", (w, h), 0)
    ImageDraw.Draw(fan).pieslice((ax - 390, ay - 390, ax + 390, ay + 390), 55, 125, fill=255)
    ImageDraw.Draw(fan).ellipse((ax - 60, ay - 60, ax + 60, ay + 60), fill=0)
    image = Image.composite(tissue, Image.new("L", (w, h), 0), fan)
    d = ImageDraw.Draw(image)
    for x in (190, 290):
        write(d, (x, 201), "+", size=16, fill=250, anchor="mm")
    d.line((196, 201, 284, 201), fill=210)
    write(d, (8, h - 56), caliper, size=12, style="mono", fill=235)
    for depth_cm in range(30, h, 40):  # the depth scale, one tick per centimetre
        d.line((w - 14, depth_cm, w - 8, depth_cm), fill=200)
    corner_text(image, corners, size=11)
    return image


# --- ECG ------------------------------------------------------------------------------------

LEADS = {  # amplitude of P, Q, R, S, T (mV) per lead, for a normal axis
    "I": (0.1, -0.05, 0.7, -0.1, 0.25), "II": (0.15, -0.08, 1.1, -0.2, 0.35), "III": (0.05, -0.05, 0.45, -0.15, 0.12),
    "aVR": (-0.12, 0.0, -0.8, 0.15, -0.3), "aVL": (0.05, -0.04, 0.35, -0.2, 0.1), "aVF": (0.1, -0.06, 0.8, -0.2, 0.25),
    "V1": (0.08, 0.0, 0.25, -0.9, -0.1), "V2": (0.1, 0.0, 0.5, -1.2, 0.4), "V3": (0.1, 0.0, 0.9, -0.8, 0.45),
    "V4": (0.1, -0.05, 1.4, -0.4, 0.45), "V5": (0.1, -0.06, 1.3, -0.2, 0.35), "V6": (0.1, -0.05, 1.0, -0.1, 0.3),
}


def _beat(t: float, amp: tuple[float, ...], *, ectopic: bool = False) -> float:
    """Millivolts at t seconds from the R peak: a sum of Gaussians for P, Q, R, S and T."""
    p, q, r, s, tw = amp
    g = lambda a, mu, sd: a * math.exp(-((t - mu) ** 2) / (2 * sd * sd))  # noqa: E731
    if ectopic:  # a ventricular extrasystole: no P, a wide QRS, a discordant T
        return g(1.4 * max(r, 0.5), 0, 0.04) + g(-0.5, 0.09, 0.03) + g(-0.45, 0.3, 0.06)
    return g(p, -0.17, 0.022) + g(q, -0.03, 0.008) + g(r, 0, 0.011) + g(s, 0.03, 0.01) + g(tw, 0.26, 0.045)


def _signal(amp, t: float, beats: list[tuple[float, bool]], rng: random.Random) -> float:
    v = sum(_beat(t - at, amp, ectopic=e) for at, e in beats if -0.5 < t - at < 0.6)
    return v + 0.03 * math.sin(2 * math.pi * 0.3 * t) + rng.uniform(-0.012, 0.012)


def ecg(rng: random.Random, header: Sequence[str], *, heart_rate: int = 78, extrasystole: bool = True) -> Image.Image:
    """Twelve leads on pink millimetre paper (25 mm/s, 10 mm/mV) and a long lead II rhythm strip."""
    mm = 4
    w, h = 1000, 640
    image = Image.new("RGB", (w, h), (255, 250, 250))
    d = ImageDraw.Draw(image)
    for x in range(0, w, mm):
        d.line((x, 60, x, h), fill=(246, 190, 190) if x % (5 * mm) == 0 else (252, 226, 226))
    for y in range(60, h, mm):
        d.line((0, y, w, y), fill=(246, 190, 190) if (y - 60) % (5 * mm) == 0 else (252, 226, 226))
    for i, line in enumerate(header):
        write(d, (10, 6 + i * 17), line, size=14 if i == 0 else 12, fill=(30, 30, 30))

    rr = 60 / heart_rate
    beats, t = [], 0.35
    while t < 10.5:
        early = extrasystole and 6.0 < t < 6.0 + rr
        beats.append((t - (0.3 * rr if early else 0), early))
        t += rr
    px_per_s, px_per_mv = 25 * mm, 10 * mm
    rows = [["I", "aVR", "V1", "V4"], ["II", "aVL", "V2", "V5"], ["III", "aVF", "V3", "V6"], ["II"]]
    for r, leads in enumerate(rows):
        base = 60 + 80 + r * 140
        d.line([(4, base), (8, base), (8, base - px_per_mv), (28, base - px_per_mv), (28, base), (34, base)],
               fill=(20, 20, 20), width=2)  # the 1 mV calibration pulse
        span = 10.0 / len(leads)
        for c, lead in enumerate(leads):
            x0 = 40 + c * span * px_per_s
            points = []
            for k in range(int(span * px_per_s)):
                sec = c * span + k / px_per_s
                points.append((x0 + k, base - _signal(LEADS[lead], sec, beats, rng) * px_per_mv))
            d.line(points, fill=(20, 20, 30), width=2)
            write(d, (x0 + 4, base - 62), lead, size=14, fill=(20, 20, 20))
            if c:
                d.line((x0, base - 10, x0, base + 10), fill=(20, 20, 20), width=2)
    d.text((10, h - 18), "25 mm/s   10 mm/mV   0,05-150 Hz   filtre secteur 50 Hz", font=font(12), fill=(60, 60, 60))
    return image


# --- a photographed page -------------------------------------------------------------------


def _handwriting(draw: ImageDraw.ImageDraw, xy, text: str, rng: random.Random, *, size: int = 22, ink=(28, 52, 140)):
    x, y = xy
    f = font(size, "hand")
    for ch in fit(text, f):
        draw.text((x, y + rng.uniform(-1.5, 1.5)), ch, font=f, fill=ink)
        x += draw.textlength(ch, font=f) * rng.uniform(0.93, 1.05)


def vaccination_booklet(rng: random.Random, title: str, rows: Sequence[tuple[str, str, str, str]]) -> Image.Image:
    """A phone photo of a carnet de santé vaccination page: printed grid, stickers, stamps, handwriting."""
    pw, ph = 600, 820
    page = Image.new("RGB", (pw, ph), (246, 240, 224))
    d = ImageDraw.Draw(page)
    write(d, (pw // 2, 34), title, size=26, fill=(70, 60, 90), anchor="mm")
    columns = [(24, "Vaccin"), (170, "Date"), (280, "Dose, lot, signature et cachet du médecin")]
    d.rectangle((20, 64, pw - 20, ph - 24), outline=(120, 110, 140), width=2)
    d.line((20, 96, pw - 20, 96), fill=(120, 110, 140), width=2)
    for x, label in columns:
        write(d, (x + 6, 74), label, size=13, fill=(70, 60, 90))
        if x > 24:
            d.line((x, 64, x, ph - 24), fill=(120, 110, 140), width=1)
    row_h = (ph - 24 - 96) // max(len(rows), 6)
    for i, (vaccine, when, sticker, signer) in enumerate(rows):
        y = 96 + i * row_h
        d.line((20, y + row_h, pw - 20, y + row_h), fill=(170, 160, 180))
        _handwriting(d, (30, y + 24), vaccine, rng)
        _handwriting(d, (176, y + 26), when, rng, size=17)
        sx, sy = 290 + rng.randint(0, 12), y + 8 + rng.randint(0, 6)
        d.rectangle((sx, sy, sx + 150, sy + 58), fill=(252, 252, 250), outline=(200, 200, 200))
        for j, line in enumerate(sticker.split("\n")):
            write(d, (sx + 6, sy + 4 + j * 13), line, size=11, fill=(40, 40, 40))
        for k in range(34):  # the sticker's barcode
            if rng.random() < 0.55:
                d.line((sx + 100 + k, sy + 8, sx + 100 + k, sy + 40), fill=(30, 30, 30))
        cx, cy = sx + 215 + rng.randint(-8, 8), y + row_h // 2
        d.ellipse((cx - 36, cy - 30, cx + 36, cy + 30), outline=(60, 90, 170), width=3)
        write(d, (cx, cy - 8), signer, size=11, fill=(60, 90, 170), anchor="mm")
        write(d, (cx, cy + 8), "Lyon", size=11, fill=(60, 90, 170), anchor="mm")
        d.line([(cx - 30 + k * 6, cy + 14 + rng.randint(-6, 6)) for k in range(11)], fill=(20, 30, 90), width=2)

    w, h = 760, 1000
    photo = Image.new("RGB", (w, h), (92, 64, 44))
    wood = grain(rng, (w // 8, h), scale=1).resize((w, h)).filter(ImageFilter.GaussianBlur(3))
    photo = ImageChops.add(photo, wood.point(lambda v: v // 6).convert("RGB"))
    page = page.rotate(-2.2, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(0, 0, 0))
    mask = Image.new("L", (pw, ph), 255).rotate(-2.2, resample=Image.Resampling.BICUBIC, expand=True)
    shadow = Image.new("RGB", page.size, (30, 20, 14))
    photo.paste(shadow, (88, 98), mask.filter(ImageFilter.GaussianBlur(8)))
    photo.paste(page, (72, 82), mask)
    light = Image.radial_gradient("L").resize((w, h)).point(lambda v: 255 - v // 3)
    photo = ImageChops.multiply(photo, Image.merge("RGB", (light, light, light)))
    photo = add_noise(photo.filter(ImageFilter.GaussianBlur(0.6)), rng, 0.04)
    return photo
