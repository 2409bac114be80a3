//! Interoperability with a real client library (the `redis` crate): connection handshake, typed commands and pipelines; exact reply bytes are tested elsewhere.

use redis::Commands;

sharded! {
    fn redis_crate_commands_and_pipeline(srv) {
        let client = redis::Client::open(srv.url()).expect("client");
        let mut con = client.get_connection().expect("connect");

        let _: () = con.set("greeting", "hello").expect("SET");
        let got: String = con.get("greeting").expect("GET");
        assert_eq!(got, "hello");
        let missing: Option<String> = con.get("missing").expect("GET missing");
        assert_eq!(missing, None);
        let n: i64 = con.incr("counter", 5).expect("INCRBY");
        assert_eq!(n, 5);

        // A pipeline over keys on different shards; replies come back in order.
        let keys: Vec<String> = (0..20).map(|i| format!("p:{i}")).collect();
        let mut pipe = redis::pipe();
        for (i, k) in keys.iter().enumerate() {
            pipe.set(k, i).ignore();
        }
        pipe.get(&keys[0]).get(&keys[19]).incr("counter", 1).del(&keys).exists(&keys[3]);
        let (first, last, counter, deleted, exists): (i64, i64, i64, i64, bool) =
            pipe.query(&mut con).expect("pipeline");
        assert_eq!((first, last, counter, deleted, exists), (0, 19, 6, 20, false));

        let values: Vec<Option<String>> = con.mget(&["greeting", "nope", "counter"]).expect("MGET");
        assert_eq!(values, vec![Some("hello".into()), None, Some("6".into())]);

        // A wrong-type or bad-integer error surfaces as a server error, not a broken connection.
        let err = con.incr::<_, _, i64>("greeting", 1).expect_err("INCR on text");
        assert_eq!(err.kind(), redis::ErrorKind::ResponseError);
        let pong: String = redis::cmd("PING").query(&mut con).expect("PING after error");
        assert_eq!(pong, "PONG");
    }
}
