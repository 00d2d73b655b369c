"""Stance suggestions: who, in a text, takes which stance on which claim, found by explainable
rules over the cue lexicon (docs/suggestions.md)."""
