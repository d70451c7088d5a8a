"""The go-to-slot entry (console/ui/slotjump.py): when a slot number is complete, what Enter, Esc and other keys do."""

from __future__ import annotations

from console.ui.slotjump import SlotEntry


def entry() -> SlotEntry:
    slots = SlotEntry()
    slots.start()
    return slots


def test_two_digits_complete_a_number_and_one_does_when_no_slot_in_use_extends_it():
    slots = entry()
    assert slots.key("2", 30).slot is None and slots.active
    assert slots.key("7", 30).slot == 27 and not slots.active
    slots.start()
    assert slots.key("5", 30).slot == 5, "no slot 50 or more: 5 is all"
    slots.start()
    assert slots.key("3", 12).slot == 3, "with 12 calls no slot 30-39 is in use"


def test_enter_or_the_wait_ends_a_short_number_esc_and_zero_select_nothing():
    slots = entry()
    slots.key("2", 30)
    answer = slots.key("enter", 30)
    assert answer.consumed and answer.slot == 2
    slots.start()
    slots.key("3", 30)
    assert slots.timeout().slot == 3
    slots.start()
    slots.key("2", 30)
    answer = slots.key("escape", 30)
    assert answer.consumed and answer.cancelled and answer.slot is None and not slots.active
    slots.start()
    slots.key("0", 5)
    assert slots.key("enter", 5).cancelled
    slots.start()
    slots.key("0", 30)
    assert slots.key("5", 30).slot == 5, "' 0 5 is slot 5"


def test_another_key_selects_what_was_typed_and_is_left_to_the_board():
    slots = entry()
    slots.key("2", 30)
    answer = slots.key("h", 30)
    assert not answer.consumed and answer.slot == 2 and not slots.active
