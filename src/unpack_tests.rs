//! Tests of archive unpacking: what is written, what is refused, corrupt archives.
use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;

enum Item<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    /// A file whose name is written into the header as is, unchecked.
    RawName(&'a str, &'a [u8]),
}

fn tar_gz(items: &[Item]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for item in items {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        match *item {
            Item::File(path, data) => {
                header.set_size(data.len() as u64);
                builder.append_data(&mut header, path, data).unwrap();
            }
            Item::Dir(path) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                builder.append_data(&mut header, path, &[][..]).unwrap();
            }
            Item::Symlink(path, target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, path, target).unwrap();
            }
            Item::RawName(name, data) => {
                header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
                header.set_size(data.len() as u64);
                header.set_cksum();
                builder.append(&header, data).unwrap();
            }
        }
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn write(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("a.tar.gz");
    std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    path
}

fn refused(items: &[Item], limits: Limits) -> String {
    let dir = tempfile::tempdir().unwrap();
    let archive = write(dir.path(), &tar_gz(items));
    let err = unpack_json(&archive, &dir.path().join("out"), limits).unwrap_err();
    assert!(matches!(err, Error::Archive { .. }), "{err}");
    err.to_string().strip_prefix(&format!("{}: ", archive.display())).unwrap().to_string()
}

#[test]
fn only_json_files_are_written_and_links_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let archive = write(
        dir.path(),
        &tar_gz(&[
            Item::Dir("data-main/"),
            Item::File("data-main/conf/category.json", b"{\"title\": \"Conf\"}"),
            Item::File("./data-main/conf/videos/a.json", b"{}"),
            Item::File("data-main/README.md", b"# readme"),
            Item::Symlink("data-main/conf/videos/evil.json", "/etc/passwd"),
        ]),
    );
    verify(&archive, Limits::default()).unwrap();
    let out = dir.path().join("out");
    let done = unpack_json(&archive, &out, Limits::default()).unwrap();
    assert_eq!(done, Unpacked { files: 2, bytes: 19 });
    assert_eq!(std::fs::read_to_string(out.join("data-main/conf/category.json")).unwrap(), "{\"title\": \"Conf\"}");
    assert!(out.join("data-main/conf/videos/a.json").is_file());
    assert!(!out.join("data-main/README.md").exists());
    assert!(std::fs::symlink_metadata(out.join("data-main/conf/videos/evil.json")).is_err());
    let err = unpack_json(&archive, &out, Limits::default()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "the target must be new: {err}");
}

#[test]
fn paths_leaving_the_target_are_refused() {
    for name in ["../evil.json", "data/../../evil.json", "/etc/evil.json"] {
        let items = [Item::RawName(name, b"{}")];
        let dir = tempfile::tempdir().unwrap();
        assert!(verify(&write(dir.path(), &tar_gz(&items)), Limits::default()).is_err(), "{name}");
        let message = refused(&items, Limits::default());
        assert_eq!(message, format!("entry {name:?} would be written outside the target directory: refused"));
    }
}

#[test]
fn limits_are_enforced_and_stated() {
    let small = Limits { max_entries: 2, max_file_bytes: 10, max_total_bytes: 15 };
    assert_eq!(
        refused(&[Item::File("a.json", &[b' '; 11])], small),
        "a.json is 11 bytes, over the limit of 10 per file: refused"
    );
    assert_eq!(
        refused(&[Item::File("a.json", &[b' '; 8]), Item::File("b.json", &[b' '; 8])], small),
        "its .json files unpack to more than 15 bytes: refused"
    );
    assert_eq!(refused(&[Item::Dir("a/"), Item::Dir("b/"), Item::Dir("c/")], small), "more than 2 entries: refused");
    assert_eq!(
        refused(&[Item::File("a.json", b"1"), Item::File("./a.json", b"2")], Limits::default()),
        "a.json appears twice: refused"
    );
}

#[test]
fn corrupt_and_truncated_archives_are_refused() {
    let good = tar_gz(&[Item::File("x/a.json", &[b'x'; 5000])]);
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>); 3] = [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("bad checksum", {
            let mut bad = good.clone();
            let n = bad.len();
            bad[n - 8] ^= 0xff; // the gzip trailer's CRC32
            bad
        }),
        ("not gzip", b"PK\x03\x04 a zip file".to_vec()),
    ];
    for (what, bytes) in cases {
        let archive = write(dir.path(), &bytes);
        let err = verify(&archive, Limits::default()).unwrap_err().to_string();
        assert!(err.contains("not a readable .tar.gz archive"), "{what}: {err}");
    }
}
