from xml.etree import ElementTree

from crystal_palace.spectra.model import make_spectrum
from crystal_palace.spectra.plot import head_to_tail_svg


def test_head_to_tail_is_well_formed_svg_with_both_spectra():
    query = make_spectrum([57, 146, 245], [200, 600, 999], {"name": "query <1>"})
    hit = make_spectrum([57, 146, 189, 245], [220, 650, 350, 999], {"name": "Fentanyl & co"})
    svg = head_to_tail_svg(query, hit, title="q vs hit")
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "query: query <1>" in texts and "library: Fentanyl & co" in texts and "245" in texts
    lines = list(root.iter("{http://www.w3.org/2000/svg}line"))
    peak_lines = [line for line in lines if line.get("stroke") in ("#1f4e9a", "#8fa9d6", "#b3261e", "#e0a39e")]
    assert len(peak_lines) == 7
    assert sum(1 for line in peak_lines if line.get("stroke") == "#e0a39e") == 1  # m/z 189: hit only
