//! A structural check of OLE compound files (the container of `.xls`)
//! before calamine reads them.
//!
//! calamine follows sector chains without a bound: a damaged or hostile file
//! whose allocation table makes a chain loop back on itself makes it
//! allocate until the machine runs out of memory (found by fuzzing; the
//! case is kept in tests/fixtures/fuzz/xls_sector_chain_cycle.xls). Here the
//! tables are read with every index checked and every chain proven to end,
//! so such files are reported as damaged instead.

/// Sector numbers at or above this are markers (end of chain, free...).
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
/// Entries of the header's own part of the DIFAT.
const HEADER_DIFAT_ENTRIES: usize = 109;

/// Whether the compound file's allocation tables are sound: every sector
/// index in range and no chain looping back on itself.
pub(super) fn chains_are_sound(bytes: &[u8]) -> bool {
    check(bytes).is_some()
}

fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    let b = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn check(bytes: &[u8]) -> Option<()> {
    if !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return None;
    }
    let shift = u16::from_le_bytes([*bytes.get(0x1E)?, *bytes.get(0x1F)?]);
    if shift != 9 && shift != 12 {
        return None;
    }
    let sector_size = 1usize << shift;
    let sector_count = bytes.len().saturating_sub(sector_size) / sector_size + 1;
    let sector = |n: u32| -> Option<&[u8]> {
        let start = (n as usize).checked_add(1)?.checked_mul(sector_size)?;
        bytes.get(start..start + sector_size)
    };

    // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..HEADER_DIFAT_ENTRIES)
        .filter_map(|i| u32_at(bytes, 0x4C + 4 * i))
        .filter(|&s| s < MAX_REGULAR_SECTOR)
        .collect();
    let mut next = u32_at(bytes, 0x44)?;
    let mut steps = 0;
    while next < MAX_REGULAR_SECTOR {
        steps += 1;
        if steps > sector_count {
            return None; // the DIFAT chain loops
        }
        let data = sector(next)?;
        let per_sector = sector_size / 4 - 1;
        fat_sectors.extend(
            (0..per_sector)
                .filter_map(|i| u32_at(data, 4 * i))
                .filter(|&s| s < MAX_REGULAR_SECTOR),
        );
        next = u32_at(data, 4 * per_sector)?;
    }
    let mut fat = Vec::with_capacity(fat_sectors.len() * sector_size / 4);
    for s in fat_sectors {
        let data = sector(s)?;
        fat.extend((0..sector_size / 4).filter_map(|i| u32_at(data, 4 * i)));
    }
    chains_end(&fat)?;

    // The mini FAT lives in a regular chain (now known to end).
    let mut mini = Vec::new();
    let mut next = u32_at(bytes, 0x3C)?;
    while next < MAX_REGULAR_SECTOR {
        mini.extend((0..sector_size / 4).filter_map(|i| u32_at(sector(next)?, 4 * i)));
        next = *fat.get(next as usize)?;
    }
    chains_end(&mini)
}

/// Proves that following `table` from any entry reaches a marker: every
/// link in range, no cycle. Linear time, by colouring entries.
fn chains_end(table: &[u32]) -> Option<()> {
    // 0 = unseen, 1 = on the current path, 2 = known to end.
    let mut state = vec![0u8; table.len()];
    let mut path = Vec::new();
    for start in 0..table.len() {
        let mut at = start;
        loop {
            match state[at] {
                2 => break,
                1 => return None, // came back to this path: a loop
                _ => {}
            }
            state[at] = 1;
            path.push(at);
            let link = table[at];
            if link >= MAX_REGULAR_SECTOR {
                break;
            }
            if link as usize >= table.len() {
                return None;
            }
            at = link as usize;
        }
        for i in path.drain(..) {
            state[i] = 2;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .join("tests/fixtures")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn real_workbooks_pass() {
        assert!(chains_are_sound(&fixture("clean.xls")));
    }

    #[test]
    fn a_looping_chain_is_found() {
        assert!(!chains_are_sound(&fixture(
            "fuzz/xls_sector_chain_cycle.xls"
        )));
        assert_eq!(chains_end(&[1, 0]), None);
        assert_eq!(chains_end(&[0]), None);
        assert_eq!(chains_end(&[1, 0xFFFF_FFFE, 5]), None, "out of range");
        assert_eq!(chains_end(&[1, 2, 0xFFFF_FFFE, 2]), Some(()));
    }

    #[test]
    fn garbage_is_not_sound() {
        assert!(!chains_are_sound(b"not a compound file"));
        let mut header = fixture("clean.xls");
        header.truncate(600);
        assert!(!chains_are_sound(&header));
    }
}
