(module
  (memory (export "mem") 3)
  ;; FILTER at 0 (32768 bytes), ALNUM at 32768 (256 bytes), HEX at 33024 (256 bytes: value+1, 0 = not hex), input at 65536
  (func $hex (param $c i32) (result i32)
    (i32.sub (i32.load8_u (i32.add (i32.const 33024) (local.get $c))) (i32.const 1)))
  (func (export "scan") (param $i i32) (param $n i32) (result i32)
    (local $c i32) (local $s i32) (local $len i32) (local $h i32) (local $l i32) (local $x i32)
    (local.set $s (i32.const -1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u offset=65536 (local.get $i)))
        (if (i32.load8_u offset=32768 (local.get $c))
          (then
            (if (i32.lt_s (local.get $s) (i32.const 0)) (then (local.set $s (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        ;; a separator (or something this scan cannot read)
        (if (i32.ge_u (local.get $c) (i32.const 128)) (then (return (i32.const -2))))
        (if (i32.ge_s (local.get $s) (i32.const 0))
          (then
            (local.set $len (i32.sub (local.get $i) (local.get $s)))
            (if (i32.and (i32.ge_u (local.get $len) (i32.const 3)) (i32.lt_u (local.get $len) (i32.const 32)))
              (then
                (if (i32.load8_u
                      (i32.or (i32.or (i32.shl (i32.and (local.get $len) (i32.const 31)) (i32.const 10))
                                      (i32.shl (i32.and (i32.load8_u offset=65536 (local.get $s)) (i32.const 31)) (i32.const 5)))
                              (i32.and (i32.load8_u offset=65535 (local.get $i)) (i32.const 31))))
                  (then (return (local.get $s))))))
            (local.set $s (i32.const -1))))
        (if (i32.eq (local.get $c) (i32.const 37))
          (then
            (local.set $h (call $hex (i32.load8_u offset=65537 (local.get $i))))
            (local.set $l (call $hex (i32.load8_u offset=65538 (local.get $i))))
            (if (i32.and (i32.ge_s (local.get $h) (i32.const 0)) (i32.ge_s (local.get $l) (i32.const 0)))
              (then
                (local.set $x (i32.add (i32.mul (local.get $h) (i32.const 16)) (local.get $l)))
                (if (i32.or (i32.ge_u (local.get $x) (i32.const 128)) (i32.load8_u offset=32768 (local.get $x)))
                  (then (return (i32.const -2))))
                (local.set $i (i32.add (local.get $i) (i32.const 2)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; a word at the end
    (if (i32.ge_s (local.get $s) (i32.const 0))
      (then
        (local.set $len (i32.sub (local.get $n) (local.get $s)))
        (if (i32.and (i32.ge_u (local.get $len) (i32.const 3)) (i32.lt_u (local.get $len) (i32.const 32)))
          (then
            (if (i32.load8_u
                  (i32.or (i32.or (i32.shl (i32.and (local.get $len) (i32.const 31)) (i32.const 10))
                                  (i32.shl (i32.and (i32.load8_u offset=65536 (local.get $s)) (i32.const 31)) (i32.const 5)))
                          (i32.and (i32.load8_u offset=65535 (local.get $n)) (i32.const 31))))
              (then (return (local.get $s))))))))
    (i32.const -1))
)
