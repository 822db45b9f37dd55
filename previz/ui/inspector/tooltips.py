"""What each inspector field means, shown as its tooltip (one line each, in the words of a shot list)."""

from __future__ import annotations

FIELD_TIPS: dict[str, str] = {
    "status": "Where the shot stands: draft, queued, generating, ready, approved, needs changes or omitted",
    "size": "Shot size: EWS, WS, MS, MCU, CU, ECU, Insert, OTS or POV (hover a choice for its meaning)",
    "move": "The camera move: the animatic performs it, and the prompt describes it to a video model",
    "move_intensity": "How far the camera moves, from 0 (barely) to 1 (the full move)",
    "move_easing": "How the move starts and stops: linear, ease in, ease out or ease in and out",
    "lens_mm": "Focal length in millimetres (18 wide, 35 normal, 85 tight); it goes into the prompt",
    "duration_frames": "Length of the shot: frames (48), seconds (2.5s) or a timecode (00:00:02:12)",
    "transition": "How this shot turns into the next one in the cut",
    "transition_frames": "Length of the transition in frames (0 for a straight cut)",
    "action": "What happens in the shot: used for the prompt, and for the title card without a board",
    "dialogue": "The lines spoken during the shot",
    "prompt": "Replaces the composed prompt for generated takes; leave empty to compose it from the shot",
    "negative_prompt": "What a video model should avoid; empty uses the project's negative prompt",
    "seed": "Random seed: the same seed and settings make the same take again",
    "steps": "Denoising steps for a video model; empty uses the model's default",
    "guidance": "Guidance scale for a video model; empty uses the model's default",
    "backend": (
        "How takes are made: the project default, animatic (camera moves over the board, no model) "
        "or diffusers (a local video model)"
    ),
    "model": (
        "The video model the diffusers backend uses, from your model folders (Preferences ▸ Models); "
        "empty uses the project's default model"
    ),
    "preset": (
        "How fast a video model makes this shot's takes: final (plain, the reference), balanced (a cache "
        "and compilation) or draft (also fewer steps and a lower resolution); the project default unless set"
    ),
}
