"""The prompt composer: a shot's plain data -> a text-to-video prompt and negative prompt.

Pure and deterministic: the same :class:`PromptContext` always gives the same prompt.

* The shot's own ``prompt_override`` (if not blank) wins and is used verbatim; likewise
  ``negative_override``, then the project's ``default_negative``, then :data:`DEFAULT_NEGATIVE`.
* ``svd`` (Stable Video Diffusion) takes no text: prompt and negative are empty.
* ``ltx``, ``wan``, ``cogvideox`` and ``hunyuan`` get long, concrete, present-tense prose built from
  sections in a family order (:data:`TEMPLATES`): the shot's action, the descriptions of the
  characters in it, the setting (interior/exterior, location, time of day), the camera (size, lens,
  move), who speaks, and the project style. LTX-Video wants the action first; Wan and HunyuanVideo
  lead with the shot; CogVideoX sets the scene first. Above the family's word budget
  (:data:`WORD_BUDGET`, kept under each text encoder's token limit) sections are dropped in the order
  dialogue, characters, setting, and then the action is cut at a word boundary.
* Any other family gets a short comma-separated description.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_NEGATIVE = (
    "blurry, low quality, low resolution, distorted, deformed face, bad hands, extra limbs, "
    "watermark, text, captions, subtitles, logo, jpeg artifacts, flickering, jittery motion, "
    "still frame, oversaturated"
)
SIZE_PHRASES = {
    "ews": "Extreme wide shot",
    "ws": "Wide shot",
    "ms": "Medium shot",
    "mcu": "Medium close-up",
    "cu": "Close-up",
    "ecu": "Extreme close-up",
    "insert": "Insert shot, a close detail",
    "ots": "Over-the-shoulder shot",
    "pov": "Point-of-view shot",
}
MOVE_PHRASES = {
    "static": "the camera is locked off and still",
    "push_in": "the camera slowly pushes in",
    "pull_out": "the camera slowly pulls back",
    "pan_left": "the camera pans left",
    "pan_right": "the camera pans right",
    "tilt_up": "the camera tilts up",
    "tilt_down": "the camera tilts down",
    "truck_left": "the camera tracks sideways to the left",
    "truck_right": "the camera tracks sideways to the right",
    "pedestal_up": "the camera rises vertically",
    "pedestal_down": "the camera lowers vertically",
    "dolly_zoom": "a dolly zoom stretches the background while the subject stays the same size",
    "handheld": "handheld camera with a subtle natural shake",
}
TIME_PHRASES = {
    "DAY": "during the day",
    "NIGHT": "at night",
    "DAWN": "at dawn",
    "DUSK": "at dusk",
    "MORNING": "in the morning",
    "AFTERNOON": "in the afternoon",
    "EVENING": "in the evening",
    "SUNSET": "at sunset",
    "SUNRISE": "at sunrise",
    "MAGIC HOUR": "at magic hour",
    "GOLDEN HOUR": "at golden hour",
    "MIDNIGHT": "at midnight",
    "NOON": "at noon",
}
NOT_A_TIME = frozenset({"CONTINUOUS", "LATER", "MOMENTS LATER", "SAME", "SAME TIME", "CONT'D", "CONTINUED"})
TEMPLATES: dict[str, tuple[str, ...]] = {
    "ltx": ("action", "characters", "setting", "camera", "dialogue", "style"),
    "wan": ("camera", "action", "characters", "setting", "dialogue", "style"),
    "hunyuan": ("camera", "action", "characters", "setting", "dialogue", "style"),
    "cogvideox": ("setting", "action", "characters", "camera", "dialogue", "style"),
}
WORD_BUDGET = {"ltx": 180, "wan": 300, "hunyuan": 250, "cogvideox": 160, "generic": 120}
DROP_ORDER = ("dialogue", "characters", "setting")


@dataclass(frozen=True)
class PromptContext:
    style: str = ""
    shot_size: str | None = None  # a ShotSize value ("mcu") or None
    move: str | None = None  # a MoveKind value ("push_in") or None
    lens_mm: float | None = None
    heading: str = ""
    int_ext: str | None = None
    location: str = ""
    time_of_day: str | None = None
    action: str = ""
    dialogue: str = ""
    characters: Sequence[tuple[str, str]] = ()  # (name, description) of the characters in the shot
    prompt_override: str | None = None
    negative_override: str | None = None
    default_negative: str | None = None  # the project's default negative prompt


@dataclass(frozen=True)
class ComposedPrompt:
    prompt: str
    negative_prompt: str
    family: str


def normalize_family(name: str | None) -> str:
    """Map a family or model name to a template key: ltx, wan, cogvideox, hunyuan, svd or generic."""
    k = (name or "").lower().replace("-", "").replace("_", "").replace(" ", "")
    for needle, fam in (
        ("ltx", "ltx"),
        ("wan", "wan"),
        ("cogvideo", "cogvideox"),
        ("hunyuan", "hunyuan"),
        ("stablevideo", "svd"),
        ("svd", "svd"),
    ):
        if needle in k:
            return fam
    return "generic"


def _sentence(text: str) -> str:
    t = " ".join(text.split()).strip()
    if not t:
        return ""
    t = t[0].upper() + t[1:]
    return t if t[-1] in ".!?" else t + "."


def _display(name: str) -> str:
    return name.title() if name.isupper() else name


def _clean_action(text: str, names: list[str]) -> str:
    t = " ".join(text.split())
    for name in sorted(names, key=len, reverse=True):
        if name.isupper():
            t = re.sub(rf"\b{re.escape(name)}\b", _display(name), t)
    return t


def lens_phrase(lens_mm: float | None) -> str:
    if not lens_mm:
        return ""
    mm = f"{lens_mm:g}mm"
    if lens_mm <= 24:
        return f"{mm} wide-angle lens"
    if lens_mm >= 85:
        return f"{mm} telephoto lens with shallow depth of field"
    return f"{mm} lens"


def setting_phrase(ctx: PromptContext) -> str:
    loc = " ".join(ctx.location.split()).lower()
    if not loc and ctx.heading:
        loc = " ".join(ctx.heading.split()).lower()
    tod = (ctx.time_of_day or "").strip().upper()
    when = "" if not tod or tod in NOT_A_TIME else TIME_PHRASES.get(tod, tod.lower())
    if not loc and not when:
        return ""
    where = {"INT": f"inside the {loc}", "EXT": f"outdoors at the {loc}", "EST": f"outdoors at the {loc}"}
    place = where.get(ctx.int_ext or "", f"at the {loc}") if loc else ""
    return _sentence(f"The scene takes place {place} {when}".replace("  ", " "))


def _camera(ctx: PromptContext) -> str:
    parts = [SIZE_PHRASES.get(ctx.shot_size or "", "")]
    lens = lens_phrase(ctx.lens_mm)
    if lens:
        parts.append(("on a " if parts[0] else "") + lens)
    first = " ".join(p for p in parts if p)
    move = MOVE_PHRASES.get(ctx.move or "", "")
    return _sentence("; ".join(p for p in (first, move) if p))


def _sections(ctx: PromptContext) -> dict[str, str]:
    names = [n for n, _ in ctx.characters]
    chars = " ".join(
        _sentence(f"{_display(n)}, {d.strip().rstrip('.')}") for n, d in ctx.characters if d.strip()
    )
    speaker = ""
    if ctx.dialogue.strip():
        m = re.match(r"^\s*([^:\n]{1,40}):", ctx.dialogue)
        who = m.group(1).strip() if m else (names[0] if names else "")
        speaker = _sentence(f"{_display(who)} speaks") if who else ""
    return {
        "action": _sentence(_clean_action(ctx.action, names)),
        "characters": chars,
        "setting": setting_phrase(ctx),
        "camera": _camera(ctx),
        "dialogue": speaker,
        "style": _sentence(ctx.style),
    }


def _fit(order: tuple[str, ...], sections: dict[str, str], budget: int) -> str:
    kept = dict(sections)

    def words() -> int:
        return sum(len(kept[k].split()) for k in order)

    for k in DROP_ORDER:
        if words() <= budget:
            break
        kept[k] = ""
    over = words() - budget
    if over > 0:
        action = kept["action"].split()
        kept["action"] = " ".join(action[: max(1, len(action) - over)]).rstrip(",;:") + "."
    return " ".join(kept[k] for k in order if kept[k])


def compose_prompt(ctx: PromptContext, family: str | None = None) -> ComposedPrompt:
    """Compose the prompt for ``ctx`` in ``family``'s template (rules in the module docstring)."""
    fam = normalize_family(family)
    if fam == "svd":
        return ComposedPrompt("", "", fam)
    negative = next(
        (n.strip() for n in (ctx.negative_override, ctx.default_negative) if n and n.strip()),
        DEFAULT_NEGATIVE,
    )
    if ctx.prompt_override and ctx.prompt_override.strip():
        return ComposedPrompt(ctx.prompt_override.strip(), negative, fam)
    sections = _sections(ctx)
    if fam in TEMPLATES:
        prompt = _fit(TEMPLATES[fam], sections, WORD_BUDGET[fam])
    else:
        setting = sections["setting"].removeprefix("The scene takes place ").rstrip(".")
        parts = [
            SIZE_PHRASES.get(ctx.shot_size or "", "").lower(),
            lens_phrase(ctx.lens_mm),
            MOVE_PHRASES.get(ctx.move or "", ""),
            setting,
            sections["action"].rstrip("."),
            sections["characters"].rstrip("."),
            " ".join(ctx.style.split()).rstrip("."),
        ]
        words = ", ".join(p for p in parts if p).split()
        prompt = " ".join(words[: WORD_BUDGET["generic"]])
    return ComposedPrompt(prompt, negative, fam)
