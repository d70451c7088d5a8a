"""Key bindings from config.toml are checked: not a key, a key another action has, an unknown action."""

from console.ui.keys import check_keymap, valid_key


def test_bad_bindings_are_refused_with_one_line_each():
    clean, problems = check_keymap({"hangup": "a", "hold": "notakey+++", "nonsense": "z", "dial": "ctrl+d"})
    assert clean == {"dial": "ctrl+d"}
    assert len(problems) == 3
    assert any("hangup = 'a' takes 'a' from answer" in p for p in problems)
    assert any("hold = 'notakey+++'" in p and "not a key" in p for p in problems)
    assert any("unknown action 'nonsense'" in p for p in problems)


def test_swapping_keys_between_actions_is_fine():
    clean, problems = check_keymap({"hangup": "a", "answer": "k"})
    assert clean == {"hangup": "a", "answer": "k"} and problems == []


def test_key_names():
    for key in ("a", "E", "f5", "ctrl+e", "question_mark", "left_square_bracket", "escape", "shift+tab"):
        assert valid_key(key), key
    for key in ("notakey+++", "", "ctrl+", "hyperspace", "foo+a"):
        assert not valid_key(key), key
