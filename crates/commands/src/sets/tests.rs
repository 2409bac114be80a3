//! Harness tests of the set commands; expected replies were recorded from
//! redis-server 7.0.15 unless a comment says otherwise.

use crate::harness::Harness;

#[test]
fn sadd_and_smembers() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["SADD", "s", "3", "1", "2"]), ":3\r\n");
    assert_eq!(
        h.run(&["SMEMBERS", "s"]),
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
}
