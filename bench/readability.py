#!/usr/bin/env python3
"""Flesch-Kincaid grade of each document of a built packet.

Usage: bench/readability.py FOLDER   (a packet ZIP unzipped into FOLDER)

Reads each PDF's text with `pdftotext -layout`-free output, drops the page
header and footer lines (the patient's name, the page numbers), and scores
the rest with the standard formula:

    0.39 * words/sentences + 11.8 * syllables/words - 15.59

Sentences end at . ? ! or : and at a blank line (headings, list items and
table labels end without a full stop); the second figure ends them at
punctuation only, which runs headings and labels into the next sentence and
so overstates the grade: the true figure lies between the two. Syllables are counted with the usual
heuristic: groups of vowels, a silent final "e" dropped, at least one per
word. Words are runs of letters; numbers, dates and codes are left out.
"""
import re
import subprocess
import sys
from pathlib import Path


def syllables(word: str) -> int:
    w = word.lower()
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    return max(1, n)


def grade(text: str, blank_lines_end_sentences: bool = True):
    pattern = r"[.?!:]+|\n\s*\n" if blank_lines_end_sentences else r"[.?!:]+"
    sentences = [s for s in re.split(pattern, text) if re.search(r"[A-Za-z]", s)]
    words = re.findall(r"[A-Za-z]+(?:'[a-z]+)?", text)
    if not words or not sentences:
        return None
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syl / len(words) - 15.59, len(words)


def patient_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    keep = []
    for line in out.splitlines():
        # The page frame: date of birth line, title, "Page X of Y" footer.
        if re.search(r"Date of birth:|Page \d+ of \d+|Prepared [A-Z]", line):
            continue
        keep.append(line)
    return "\n".join(keep)


def main() -> None:
    folder = Path(sys.argv[1])
    for pdf in sorted(folder.glob("*.pdf")):
        if pdf.name == "packet.pdf":
            continue
        text = patient_text(pdf)
        result = grade(text)
        strict = grade(text, blank_lines_end_sentences=False)
        if result and strict:
            (g, n), (g2, _) = result, strict
            print(f"{pdf.name:36} grade {g:5.1f}  (sentences end at . ? ! : only: {g2:5.1f})  {n} words")


if __name__ == "__main__":
    main()
