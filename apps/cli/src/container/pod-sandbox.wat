;; The placeholder run for a Kubernetes pod's sandbox ("pause") container: it sleeps an hour
;; at a time with poll_oneoff, forever, until a signal ends it. Subscription at 0 (48 bytes:
;; userdata 0, tag 0 = clock, clock id 1 = monotonic at 16, relative timeout at 24), the
;; event at 64, the event count at 128.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3600000000000))
    (loop $forever
      (drop (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
      (br $forever))))
