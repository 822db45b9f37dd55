"""Final Draft .fdx import: element mapping, scene numbers, dual dialogue, and hostile XML."""

from __future__ import annotations

import pytest

from previz.core.errors import ImportFileError
from previz.ingest import load_screenplay
from previz.ingest.fdx import parse_fdx_bytes

FDX = b"""<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<FinalDraft DocumentType="Script" Template="No" Version="5">
  <Content>
    <Paragraph Type="Action"><Text>FADE IN:</Text></Paragraph>
    <Paragraph Number="12A" Type="Scene Heading">
      <SceneProperties Length="1/8" Page="1" Title="">
        <Summary><Paragraph Type="General"><Text>Mara relights the lamp.</Text></Paragraph></Summary>
      </SceneProperties>
      <Text>INT. LANTERN ROOM - NIGHT</Text>
    </Paragraph>
    <Paragraph Type="Action"><Text>Rain </Text><Text Style="Bold">hammers</Text><Text> the glass.</Text>
    </Paragraph>
    <Paragraph Type="Character"><Text>MARA (V.O.)</Text></Paragraph>
    <Paragraph Type="Parenthetical"><Text>(quietly)</Text></Paragraph>
    <Paragraph Type="Dialogue"><Text>Not tonight.</Text></Paragraph>
    <Paragraph>
      <DualDialogue>
        <Paragraph Type="Character"><Text>JONAH</Text></Paragraph>
        <Paragraph Type="Dialogue"><Text>Light!</Text></Paragraph>
        <Paragraph Type="Character"><Text>MARA</Text></Paragraph>
        <Paragraph Type="Dialogue"><Text>Wait!</Text></Paragraph>
      </DualDialogue>
    </Paragraph>
    <Paragraph Type="Transition"><Text>CUT TO:</Text></Paragraph>
    <Paragraph Number="13" Type="Scene Heading"><Text>EXT. ROCKS - NIGHT</Text></Paragraph>
    <Paragraph Type="Shot"><Text>ANGLE ON THE BOAT</Text></Paragraph>
    <Paragraph Type="Action"><Text></Text></Paragraph>
  </Content>
  <HeaderAndFooter><Header><Paragraph><Text>HEADER TEXT</Text></Paragraph></Header></HeaderAndFooter>
  <TitlePage><Content>
    <Paragraph Alignment="Center"><Text>The Last Keeper</Text></Paragraph>
    <Paragraph><Text></Text></Paragraph>
    <Paragraph><Text>by Someone</Text></Paragraph>
  </Content></TitlePage>
</FinalDraft>
"""


def test_fdx_elements_scene_numbers_and_dual_dialogue(tmp_path):
    p = tmp_path / "keeper.fdx"
    p.write_bytes(FDX)
    play = load_screenplay(p)
    assert play.title == "The Last Keeper"
    assert [(e.kind, e.text) for e in play.preamble] == [("action", "FADE IN:")]
    s1, s2 = play.scenes
    assert (s1.number, s1.heading, s1.int_ext, s1.location, s1.time_of_day) == (
        "12A",
        "INT. LANTERN ROOM - NIGHT",
        "INT",
        "LANTERN ROOM",
        "NIGHT",
    )
    assert s1.synopsis == "Mara relights the lamp."
    assert s1.line_start == 5
    assert [(e.kind, e.text, e.character, e.extension, e.dual) for e in s1.elements] == [
        ("action", "Rain hammers the glass.", None, None, False),
        ("character", "MARA", "MARA", "V.O.", False),
        ("parenthetical", "(quietly)", "MARA", "V.O.", False),
        ("dialogue", "Not tonight.", "MARA", "V.O.", False),
        ("character", "JONAH", "JONAH", None, True),
        ("dialogue", "Light!", "JONAH", None, True),
        ("character", "MARA", "MARA", None, True),
        ("dialogue", "Wait!", "MARA", None, True),
        ("transition", "CUT TO:", None, None, False),
    ]
    assert s1.elements[0].line == 11
    assert "MARA ^\nWait!" in s1.text and s1.text.startswith("INT. LANTERN ROOM - NIGHT #12A#")
    assert (s2.number, [(e.kind, e.text) for e in s2.elements]) == ("13", [("shot", "ANGLE ON THE BOAT")])
    assert "HEADER TEXT" not in repr(play)


def test_fdx_entity_bomb_refused():
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<FinalDraft><Content><Paragraph Type="Action"><Text>&lol2;</Text></Paragraph></Content></FinalDraft>
"""
    with pytest.raises(ImportFileError, match="entities") as err:
        parse_fdx_bytes(bomb, "bomb.fdx")
    assert str(err.value).startswith("bomb.fdx")


def test_fdx_external_entity_refused():
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<FinalDraft><Content><Paragraph Type="Action"><Text>&secret;</Text></Paragraph></Content></FinalDraft>
"""
    with pytest.raises(ImportFileError, match="refused"):
        parse_fdx_bytes(xxe, "xxe.fdx")


def test_fdx_malformed_names_line():
    bad = b'<?xml version="1.0"?>\n<FinalDraft>\n<Content>\n<Paragraph Type="Action"><Text>x</Paragraph>\n'
    with pytest.raises(ImportFileError, match="not well-formed") as err:
        parse_fdx_bytes(bad, "bad.fdx")
    assert err.value.line == 4


def test_fdx_wrong_root_and_empty(tmp_path):
    with pytest.raises(ImportFileError, match="not a Final Draft document"):
        parse_fdx_bytes(b"<html><body/></html>", "page.fdx")
    p = tmp_path / "empty.fdx"
    p.write_bytes(b"")
    with pytest.raises(ImportFileError, match="empty"):
        load_screenplay(p)
