"""Import speed: a generated 120-page feature screenplay through parse + breakdown + revision matching.

Targets (issue 5): import with breakdown < 1 s including the project write (added by the project
core), and an unchanged re-import < 0.5 s. This script times the ingest part and prints each figure
as a ratio of its budget, measured in the same run:

    .venv/bin/python benchmarks/bench_import.py [--pages 120] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import time

from previz.ingest.breakdown import break_down_scene
from previz.ingest.fountain import parse_fountain
from previz.ingest.revisions import ExistingScene, plan_revision

LINES_PER_PAGE = 55  # a formatted screenplay page, blank lines included
PLACES = [
    "LIGHTHOUSE GALLERY", "LANTERN ROOM", "HARBOUR", "FISHING BOAT - DECK", "PUB", "COTTAGE - KITCHEN",
    "CLIFF PATH", "COASTGUARD STATION", "BEACH", "CHURCH", "VILLAGE SQUARE", "RADIO ROOM",
]  # fmt: skip
TIMES = ["DAY", "NIGHT", "DAWN", "DUSK", "CONTINUOUS", "LATER"]
CHARACTERS = ["MARA", "JONAH", "ELSIE", "FATHER BRENNAN", "OWEN", "DR. KAUR"]
VERBS = ["crosses", "stares at", "grabs", "climbs", "runs past", "leans over", "drops", "studies", "opens"]
OBJECTS = ["the brass valve", "a storm lantern", "the radio handset", "the logbook", "a coil of rope",
           "the cracked window", "a mug of tea", "the chart table", "the iron railing"]  # fmt: skip
LINES = [
    "We don't have long.", "You said that last winter.", "Hold your heading.", "I saw the light go out.",
    "Nobody goes out in this.", "Then who's on that boat?", "Give me two minutes.", "It's not safe.",
    "My father kept this light for forty years, and his father before him.", "Listen.",
]  # fmt: skip


def generate_screenplay(pages: int = 120, seed: int = 7) -> str:
    """A deterministic, realistic feature: ~0.9 scenes a page, action, dialogue, notes, transitions."""
    rng = random.Random(seed)
    out = ["Title: The Long Night", "Credit: Written by", "Author: Benchmark", "Draft date: 1 Jan 2026", ""]
    target = pages * LINES_PER_PAGE
    n = 0
    while len(out) < target:
        n += 1
        ie = rng.choice(["INT.", "EXT."])
        out += [f"{ie} {rng.choice(PLACES)} - {rng.choice(TIMES)} #{n}#", ""]
        if rng.random() < 0.3:
            out += [f"= Scene {n}: the storm worsens.", ""]
        cast = rng.sample(CHARACTERS, 2 + rng.randrange(2))
        for _ in range(rng.randint(4, 7)):
            for _ in range(rng.randint(1, 3)):
                who = rng.choice(cast).title()
                out.append(f"{who} {rng.choice(VERBS)} {rng.choice(OBJECTS)}; rain streams down the glass.")
            out.append("")
            for _ in range(rng.randint(1, 3)):
                who = rng.choice(cast)
                ext = rng.choice(["", "", "", " (V.O.)", " (CONT'D)"])
                out.append(who + ext)
                if rng.random() < 0.3:
                    out.append("(quietly)")
                out += [" ".join(rng.sample(LINES, rng.randint(1, 3))), ""]
            if rng.random() < 0.1:
                out += ["[[Board this beat wide.]]", ""]
        if rng.random() < 0.4:
            out += [rng.choice(["CUT TO:", "DISSOLVE TO:", "SMASH CUT TO:"]), ""]
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    text = generate_screenplay(args.pages)

    best_import = best_reimport = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        play = parse_fountain(text, "bench.fountain")
        chars = play.characters
        proposed = [break_down_scene(s, chars) for s in play.scenes]
        t1 = time.perf_counter()
        existing = [ExistingScene(i, s.number, s.heading, i, s.text) for i, s in enumerate(play.scenes)]
        t2 = time.perf_counter()
        again = parse_fountain(text, "bench.fountain")
        plan = plan_revision(existing, again)
        t3 = time.perf_counter()
        assert plan.is_noop, plan.summary()
        best_import = min(best_import, t1 - t0)
        best_reimport = min(best_reimport, t3 - t2)

    n_shots = sum(len(p) for p in proposed)
    print(f"screenplay: {args.pages} pages, {len(text.splitlines())} lines, {len(text) / 1024:.0f} KiB")
    print(f"parsed: {len(play.scenes)} scenes, {sum(len(s.elements) for s in play.scenes)} elements")
    print(f"breakdown: {n_shots} proposed shots, {len(chars)} characters")
    imp_ms, re_ms = best_import * 1000, best_reimport * 1000
    print(f"parse + breakdown:   {imp_ms:7.1f} ms = {best_import / 1.0:.3f} x the 1 s limit")
    print(f"re-import unchanged: {re_ms:7.1f} ms = {best_reimport / 0.5:.3f} x the 0.5 s limit")
    print("(ingest only; the project write is timed by the project core's benchmark)")


if __name__ == "__main__":
    main()
