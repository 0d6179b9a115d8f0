"""Integrity signals and flags in words, with readable details."""

from __future__ import annotations

from flask import Flask

from hirebench.exams.integrity_labels import event_detail, event_label, flag_labels


def test_each_signal_is_named_in_words(app: Flask) -> None:
    with app.test_request_context():
        assert event_label("tab_hidden") == "Left the exam tab"
        assert event_label("paste", {"size": 120}) == "Pasted 120 characters"
        assert event_label("paste", {"size": 1}) == "Pasted 1 character"
        assert event_label("fullscreen_exit") == "Left full screen"
        assert event_label("second_session") == "Opened in a second browser session"
        assert event_label("made_up") == "made_up"  # shown, never hidden
        assert event_detail("tab_hidden", {}) == ""
        assert event_detail("paste", {"size": 120}) == ""  # the label carries the size
        assert event_detail("ip_changed", {"ip": "10.0.0.9"}) == "New address: 10.0.0.9"
        assert event_detail("user_agent_changed", {"user_agent": "X/1"}) == "New browser: X/1"


def test_flags_carry_their_numbers(app: Flask) -> None:
    summary = {
        "counts": {"tab_hidden": 3, "focus_lost": 4},
        "pasted_chars": 750,
        "flags": ["frequent_focus_loss", "large_pastes", "ip_changed"],
    }
    with app.test_request_context():
        assert flag_labels(summary) == [
            "Left the exam or lost focus 7 times",
            "Pasted 750 characters in all",
            "The network address changed",
        ]
