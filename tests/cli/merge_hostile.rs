//! `report merge` against hostile or hand-edited reports (issue 25).
