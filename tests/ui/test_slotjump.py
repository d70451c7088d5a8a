"""The go-to-slot entry (console/ui/slotjump.py): when a slot number is complete, what Enter, Esc and other keys do."""

from __future__ import annotations

from console.ui.slotjump import SlotEntry


def entry() -> SlotEntry:
    slots = SlotEntry()
    slots.start()
    return slots


def test_two_digits_complete_a_number_and_one_does_when_no_slot_of_the_board_extends_it():
    slots = entry()
    assert slots.key("2", 32).slot is None and slots.active
    assert slots.key("7", 32).slot == 27 and not slots.active
    slots.start()
    assert slots.key("5", 32).slot == 5, "no slot 50 or more: 5 is all"
    slots.start()
    assert slots.key("3", 32).slot is None, "3 may become 30-32: it waits, however few calls there are"
    assert slots.key("1", 32).slot == 31


def test_enter_or_the_wait_ends_a_short_number_esc_and_zero_select_nothing():
    slots = entry()
    slots.key("2", 32)
    answer = slots.key("enter", 32)
    assert answer.consumed and answer.slot == 2
    slots.start()
    slots.key("3", 32)
    assert slots.timeout().slot == 3
    slots.start()
    slots.key("2", 32)
    answer = slots.key("escape", 32)
    assert answer.consumed and answer.cancelled and answer.slot is None and not slots.active
    slots.start()
    slots.key("0", 32)
    assert slots.key("enter", 32).cancelled
    slots.start()
    slots.key("0", 32)
    assert slots.key("5", 32).slot == 5, "' 0 5 is slot 5"


def test_another_key_selects_what_was_typed_and_is_left_to_the_board():
    slots = entry()
    slots.key("2", 32)
    answer = slots.key("h", 32)
    assert not answer.consumed and answer.slot == 2 and not slots.active
