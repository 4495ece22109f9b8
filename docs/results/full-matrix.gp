# gnuplot script written by `gomap bench`; run: gnuplot docs/results/full-matrix.gp
set terminal svg size 1600,3310 noenhanced font "sans,10" background rgb "white"
set output "docs/results/full-matrix.svg"
set datafile missing "?"
set grid ytics
set linetype 1 lc rgb "#4477aa" lw 1.5 pt 1 dt 1
set linetype 2 lc rgb "#ee6677" lw 1.5 pt 2 dt 1
set linetype 3 lc rgb "#228833" lw 1.5 pt 3 dt 1
set linetype 4 lc rgb "#ccbb44" lw 1.5 pt 4 dt 1
set linetype 5 lc rgb "#66ccee" lw 1.5 pt 5 dt 1
set linetype 6 lc rgb "#aa3377" lw 1.5 pt 6 dt 1
set linetype 7 lc rgb "#bbbbbb" lw 1.5 pt 7 dt 1
set linetype 8 lc rgb "#000000" lw 1.5 pt 8 dt 1
set linetype 9 lc rgb "#e69f00" lw 1.5 pt 9 dt 1
set linetype 10 lc rgb "#56b4e9" lw 1.5 pt 10 dt 1
set linetype 11 lc rgb "#009e73" lw 1.5 pt 11 dt 1
set linetype 12 lc rgb "#f0e442" lw 1.5 pt 12 dt 1
set linetype 13 lc rgb "#0072b2" lw 1.5 pt 13 dt 1
set linetype 14 lc rgb "#d55e00" lw 1.5 pt 1 dt 1
set linetype 15 lc rgb "#cc79a7" lw 1.5 pt 2 dt 1
set linetype 16 lc rgb "#882255" lw 1.5 pt 3 dt 1
set linetype 17 lc rgb "#4477aa" lw 1.5 pt 4 dt 2
set linetype 18 lc rgb "#ee6677" lw 1.5 pt 5 dt 2
set linetype 19 lc rgb "#228833" lw 1.5 pt 6 dt 2
set linetype 20 lc rgb "#ccbb44" lw 1.5 pt 7 dt 2
set linetype 21 lc rgb "#66ccee" lw 1.5 pt 8 dt 2
set linetype 22 lc rgb "#aa3377" lw 1.5 pt 9 dt 2
set linetype 23 lc rgb "#bbbbbb" lw 1.5 pt 10 dt 2
set linetype 24 lc rgb "#000000" lw 1.5 pt 11 dt 2
set linetype 25 lc rgb "#e69f00" lw 1.5 pt 12 dt 2
set linetype 26 lc rgb "#56b4e9" lw 1.5 pt 13 dt 2
set linetype 27 lc rgb "#009e73" lw 1.5 pt 1 dt 2
set linetype 28 lc rgb "#f0e442" lw 1.5 pt 2 dt 2
set linetype 29 lc rgb "#0072b2" lw 1.5 pt 3 dt 2
set linetype 30 lc rgb "#d55e00" lw 1.5 pt 4 dt 2
set linetype 31 lc rgb "#cc79a7" lw 1.5 pt 5 dt 2
set linetype 32 lc rgb "#882255" lw 1.5 pt 6 dt 2
set multiplot layout 7,2 title "gomap bench  |  AMD EPYC; 2 CPUs usable; Linux 6.18.44-fc-v657 x86_64  |  C GNU 12.2.0 [-O3 -DNDEBUG]  |  2026-11-26" font ",11"

# ---- seed-read
$w0 << EOD
"mutex" 176.5300
"rwmutex" 73.3140
"shard" 92.0280
"sync" 80.8680
"chan" 482.3740
"urcu-lfht" 560.1460
"ck-ht" 143.2310
"tbb-chm" 208.1030
"libcuckoo" 215.2440
"absl-flat-mutex" 175.5130
"go-map-mutex" 243.6970
"go-map-rwmutex" 75.8540
"go-syncmap" 674.3740
"go-chan" 475.8460
EOD
set title "seed-read: ns/op at 8 threads (lower is better)"
unset logscale
set xtics rotate by -40 left
set ylabel "ns/op"
set xlabel ""
set yrange [0:*]
set style fill solid 0.8 border -1
set boxwidth 0.7
unset key
plot $w0 using 0:2:xtic(1) with boxes lc rgb "#4477aa" notitle
set xtics norotate

# ---- seed-write
$w1 << EOD
"mutex" 151.2530
"rwmutex" 183.4490
"shard" 112.4540
"sync" 170.9670
"chan" 464.8910
"urcu-lfht" 562.8320
"ck-ht" 390.1150
"tbb-chm" 243.5950
"libcuckoo" 353.3080
"absl-flat-mutex" 142.1830
"go-map-mutex" 227.0970
"go-map-rwmutex" 261.4830
"go-syncmap" 867.5190
"go-chan" 769.0360
EOD
set title "seed-write: ns/op at 8 threads (lower is better)"
unset logscale
set xtics rotate by -40 left
set ylabel "ns/op"
set xlabel ""
set yrange [0:*]
set style fill solid 0.8 border -1
set boxwidth 0.7
unset key
plot $w1 using 0:2:xtic(1) with boxes lc rgb "#4477aa" notitle
set xtics norotate

# ---- read-mostly
$w2_0 << EOD
1 11.2090
EOD
$w2_1 << EOD
1 9.0700
2 5.9080
4 7.9260
8 6.4080
EOD
$w2_2 << EOD
1 5.2640
2 9.4710
4 8.6090
8 6.3960
EOD
$w2_3 << EOD
1 7.5100
2 13.0840
4 8.2120
8 10.4050
EOD
$w2_4 << EOD
1 7.8310
2 15.3050
4 5.9450
8 12.3970
EOD
$w2_5 << EOD
1 2.1690
2 1.6130
4 2.0460
8 2.0300
EOD
$w2_6 << EOD
1 2.4160
2 2.8560
4 3.6570
8 2.8860
EOD
$w2_7 << EOD
1 5.7550
2 8.5260
4 12.3490
8 5.3120
EOD
$w2_8 << EOD
1 4.1980
2 7.0410
4 7.9410
8 3.9430
EOD
$w2_9 << EOD
1 7.3600
2 11.4080
4 8.2430
8 2.7270
EOD
$w2_10 << EOD
1 12.0790
EOD
$w2_11 << EOD
1 8.8020
2 5.5370
4 4.6200
8 6.8380
EOD
$w2_12 << EOD
1 11.5020
EOD
$w2_13 << EOD
1 9.7390
EOD
$w2_14 << EOD
1 9.0470
2 4.9720
4 5.9580
8 4.1980
EOD
$w2_15 << EOD
1 6.8060
2 5.9240
4 7.3570
8 7.3350
EOD
$w2_16 << EOD
1 1.5790
2 1.6610
4 2.1480
8 1.5690
EOD
$w2_17 << EOD
1 1.7080
2 2.0530
4 1.7300
8 2.0400
EOD
set title "read-mostly: throughput (higher is better)"
set logscale x 2
unset logscale y
set xrange [0.833333:9.6]
set yrange [0:*]
set xlabel "threads"
set ylabel "Mops/s"
set key outside right top
plot $w2_0 using 1:2 with linespoints lt 1 title "map", \
     $w2_1 using 1:2 with linespoints lt 2 title "mutex", \
     $w2_2 using 1:2 with linespoints lt 3 title "rwmutex", \
     $w2_3 using 1:2 with linespoints lt 4 title "shard", \
     $w2_4 using 1:2 with linespoints lt 5 title "sync", \
     $w2_5 using 1:2 with linespoints lt 6 title "chan", \
     $w2_6 using 1:2 with linespoints lt 7 title "urcu-lfht", \
     $w2_7 using 1:2 with linespoints lt 8 title "ck-ht", \
     $w2_8 using 1:2 with linespoints lt 9 title "tbb-chm", \
     $w2_9 using 1:2 with linespoints lt 10 title "libcuckoo", \
     $w2_10 using 1:2 with linespoints lt 11 title "absl-flat", \
     $w2_11 using 1:2 with linespoints lt 12 title "absl-flat-mutex", \
     $w2_12 using 1:2 with linespoints lt 13 title "glib", \
     $w2_13 using 1:2 with linespoints lt 14 title "go-map", \
     $w2_14 using 1:2 with linespoints lt 15 title "go-map-mutex", \
     $w2_15 using 1:2 with linespoints lt 16 title "go-map-rwmutex", \
     $w2_16 using 1:2 with linespoints lt 17 title "go-syncmap", \
     $w2_17 using 1:2 with linespoints lt 18 title "go-chan"
set xrange [*:*]
unset logscale x

# ---- read-mostly-str
$w3_0 << EOD
1 3.0150
EOD
$w3_1 << EOD
1 2.2530
2 1.3290
4 1.7210
8 2.4210
EOD
$w3_2 << EOD
1 2.6680
2 2.6840
4 2.4620
8 2.9390
EOD
$w3_3 << EOD
1 1.8390
2 2.8120
4 3.3400
8 3.3610
EOD
$w3_4 << EOD
1 3.9350
2 5.6990
4 6.7710
8 9.1420
EOD
$w3_5 << EOD
1 2.0790
2 2.9120
4 3.1490
8 2.9860
EOD
$w3_6 << EOD
1 2.6960
2 4.5230
4 5.0800
8 5.1360
EOD
$w3_7 << EOD
1 2.8990
2 4.0590
4 4.7950
8 5.6840
EOD
$w3_8 << EOD
1 2.9380
2 4.1070
4 3.5970
8 2.9160
EOD
$w3_9 << EOD
1 3.9690
EOD
$w3_10 << EOD
1 3.1360
2 1.9650
4 1.5020
8 1.8970
EOD
$w3_11 << EOD
1 3.0770
EOD
$w3_12 << EOD
1 6.1080
EOD
$w3_13 << EOD
1 4.4310
2 2.5820
4 2.1120
8 2.8470
EOD
$w3_14 << EOD
1 5.1750
2 3.4020
4 3.2940
8 3.5170
EOD
$w3_15 << EOD
1 1.4230
2 1.6360
4 1.6350
8 1.5020
EOD
$w3_16 << EOD
2 1.0500
4 1.0150
8 1.1050
EOD
$w3_17 << EOD
2 1.3100
4 1.3210
8 1.1310
EOD
set title "read-mostly-str: throughput (higher is better)"
set logscale x 2
unset logscale y
set xrange [0.833333:9.6]
set yrange [0:*]
set xlabel "threads"
set ylabel "Mops/s"
set key outside right top
plot $w3_0 using 1:2 with linespoints lt 1 title "map", \
     $w3_1 using 1:2 with linespoints lt 2 title "mutex", \
     $w3_2 using 1:2 with linespoints lt 3 title "rwmutex", \
     $w3_3 using 1:2 with linespoints lt 4 title "shard", \
     $w3_4 using 1:2 with linespoints lt 5 title "sync", \
     $w3_5 using 1:2 with linespoints lt 6 title "urcu-lfht", \
     $w3_6 using 1:2 with linespoints lt 7 title "ck-ht", \
     $w3_7 using 1:2 with linespoints lt 8 title "tbb-chm", \
     $w3_8 using 1:2 with linespoints lt 9 title "libcuckoo", \
     $w3_9 using 1:2 with linespoints lt 10 title "absl-flat", \
     $w3_10 using 1:2 with linespoints lt 11 title "absl-flat-mutex", \
     $w3_11 using 1:2 with linespoints lt 12 title "glib", \
     $w3_12 using 1:2 with linespoints lt 13 title "go-map", \
     $w3_13 using 1:2 with linespoints lt 14 title "go-map-mutex", \
     $w3_14 using 1:2 with linespoints lt 15 title "go-map-rwmutex", \
     $w3_15 using 1:2 with linespoints lt 16 title "go-syncmap", \
     $w3_16 using 1:2 with linespoints lt 17 title "chan", \
     $w3_17 using 1:2 with linespoints lt 18 title "go-chan"
set xrange [*:*]
unset logscale x

# ---- hot-keys
$w4_0 << EOD
1 19.4580
EOD
$w4_1 << EOD
1 13.1820
2 7.0960
4 10.7780
8 8.9340
EOD
$w4_2 << EOD
1 8.3750
2 8.4430
4 9.1690
8 10.2490
EOD
$w4_3 << EOD
1 12.6420
2 13.9130
4 16.3470
8 15.7330
EOD
$w4_4 << EOD
1 9.8290
2 16.5160
4 16.7360
8 24.0700
EOD
$w4_5 << EOD
1 2.3620
2 2.5730
4 2.5910
8 2.7760
EOD
$w4_6 << EOD
1 2.7930
2 3.8570
4 5.3470
8 3.9370
EOD
$w4_7 << EOD
1 10.9100
2 11.1730
4 16.2490
8 15.8440
EOD
$w4_8 << EOD
1 6.7520
2 9.1820
4 12.6150
8 10.0420
EOD
$w4_9 << EOD
1 10.2200
2 13.4870
4 10.7520
8 7.0600
EOD
$w4_10 << EOD
1 27.8280
EOD
$w4_11 << EOD
1 13.9150
2 7.5380
4 6.4760
8 5.3670
EOD
$w4_12 << EOD
1 16.6450
EOD
$w4_13 << EOD
1 18.9750
EOD
$w4_14 << EOD
1 17.9020
2 8.5060
4 12.0660
8 6.0580
EOD
$w4_15 << EOD
1 15.2730
2 9.9460
4 11.6050
8 10.1090
EOD
$w4_16 << EOD
1 2.6450
2 2.7270
4 3.5870
8 2.1420
EOD
$w4_17 << EOD
1 2.1520
2 2.4120
4 2.8200
8 2.2970
EOD
set title "hot-keys: throughput (higher is better)"
set logscale x 2
unset logscale y
set xrange [0.833333:9.6]
set yrange [0:*]
set xlabel "threads"
set ylabel "Mops/s"
set key outside right top
plot $w4_0 using 1:2 with linespoints lt 1 title "map", \
     $w4_1 using 1:2 with linespoints lt 2 title "mutex", \
     $w4_2 using 1:2 with linespoints lt 3 title "rwmutex", \
     $w4_3 using 1:2 with linespoints lt 4 title "shard", \
     $w4_4 using 1:2 with linespoints lt 5 title "sync", \
     $w4_5 using 1:2 with linespoints lt 6 title "chan", \
     $w4_6 using 1:2 with linespoints lt 7 title "urcu-lfht", \
     $w4_7 using 1:2 with linespoints lt 8 title "ck-ht", \
     $w4_8 using 1:2 with linespoints lt 9 title "tbb-chm", \
     $w4_9 using 1:2 with linespoints lt 10 title "libcuckoo", \
     $w4_10 using 1:2 with linespoints lt 11 title "absl-flat", \
     $w4_11 using 1:2 with linespoints lt 12 title "absl-flat-mutex", \
     $w4_12 using 1:2 with linespoints lt 13 title "glib", \
     $w4_13 using 1:2 with linespoints lt 14 title "go-map", \
     $w4_14 using 1:2 with linespoints lt 15 title "go-map-mutex", \
     $w4_15 using 1:2 with linespoints lt 16 title "go-map-rwmutex", \
     $w4_16 using 1:2 with linespoints lt 17 title "go-syncmap", \
     $w4_17 using 1:2 with linespoints lt 18 title "go-chan"
set xrange [*:*]
unset logscale x

# ---- exchange
$w5_0 << EOD
1 14.0060
EOD
$w5_1 << EOD
1 10.0490
2 6.2410
4 5.6250
8 7.7250
EOD
$w5_2 << EOD
1 8.1680
2 5.3600
4 4.5660
8 6.6660
EOD
$w5_3 << EOD
1 8.7360
2 10.3930
4 8.4740
8 8.6500
EOD
$w5_4 << EOD
1 4.6970
2 7.0050
4 6.6270
8 6.9060
EOD
$w5_5 << EOD
1 2.2910
2 1.9920
4 2.0330
8 2.2020
EOD
$w5_6 << EOD
1 1.2670
2 2.2440
4 1.6230
8 2.0610
EOD
$w5_7 << EOD
1 4.6330
2 3.3120
4 1.7260
8 2.0120
EOD
$w5_8 << EOD
1 4.0070
2 6.0560
4 6.0770
8 5.8280
EOD
$w5_9 << EOD
1 7.0160
2 9.5250
4 5.9720
8 4.0040
EOD
$w5_10 << EOD
1 12.4450
EOD
$w5_11 << EOD
1 12.9120
2 7.4280
4 3.7120
8 3.9550
EOD
$w5_12 << EOD
1 10.2600
EOD
$w5_13 << EOD
1 6.9150
EOD
$w5_14 << EOD
1 6.6870
2 4.2570
4 3.9680
8 3.9130
EOD
$w5_15 << EOD
1 5.9720
2 4.3590
4 4.0460
8 3.6850
EOD
$w5_16 << EOD
1 1.3770
2 1.5910
4 1.1750
8 1.2050
EOD
$w5_17 << EOD
1 1.6910
2 1.6440
4 1.7460
8 1.7630
EOD
set title "exchange: throughput (higher is better)"
set logscale x 2
unset logscale y
set xrange [0.833333:9.6]
set yrange [0:*]
set xlabel "threads"
set ylabel "Mops/s"
set key outside right top
plot $w5_0 using 1:2 with linespoints lt 1 title "map", \
     $w5_1 using 1:2 with linespoints lt 2 title "mutex", \
     $w5_2 using 1:2 with linespoints lt 3 title "rwmutex", \
     $w5_3 using 1:2 with linespoints lt 4 title "shard", \
     $w5_4 using 1:2 with linespoints lt 5 title "sync", \
     $w5_5 using 1:2 with linespoints lt 6 title "chan", \
     $w5_6 using 1:2 with linespoints lt 7 title "urcu-lfht", \
     $w5_7 using 1:2 with linespoints lt 8 title "ck-ht", \
     $w5_8 using 1:2 with linespoints lt 9 title "tbb-chm", \
     $w5_9 using 1:2 with linespoints lt 10 title "libcuckoo", \
     $w5_10 using 1:2 with linespoints lt 11 title "absl-flat", \
     $w5_11 using 1:2 with linespoints lt 12 title "absl-flat-mutex", \
     $w5_12 using 1:2 with linespoints lt 13 title "glib", \
     $w5_13 using 1:2 with linespoints lt 14 title "go-map", \
     $w5_14 using 1:2 with linespoints lt 15 title "go-map-mutex", \
     $w5_15 using 1:2 with linespoints lt 16 title "go-map-rwmutex", \
     $w5_16 using 1:2 with linespoints lt 17 title "go-syncmap", \
     $w5_17 using 1:2 with linespoints lt 18 title "go-chan"
set xrange [*:*]
unset logscale x

# ---- rapid-grow
$w6_0 << EOD
1 6.9110
EOD
$w6_1 << EOD
1 4.8230
2 4.1990
4 3.8000
8 3.6540
EOD
$w6_2 << EOD
1 3.9660
2 2.4250
4 3.6780
8 3.8080
EOD
$w6_3 << EOD
1 4.8720
2 6.2470
4 6.6810
8 7.3930
EOD
$w6_4 << EOD
1 2.6160
2 3.8330
4 4.8590
8 5.4250
EOD
$w6_5 << EOD
1 1.6840
2 1.7330
4 1.7290
8 0.7360
EOD
$w6_6 << EOD
1 1.1770
4 1.4800
EOD
$w6_7 << EOD
1 1.8000
2 1.1980
4 1.4080
8 1.3510
EOD
$w6_8 << EOD
1 1.9130
2 2.8750
4 3.0280
8 2.4400
EOD
$w6_9 << EOD
1 2.8480
2 5.8580
4 3.6400
8 2.2900
EOD
$w6_10 << EOD
1 10.4270
EOD
$w6_11 << EOD
1 7.5110
2 3.0870
4 3.0350
8 2.9840
EOD
$w6_12 << EOD
1 6.3780
EOD
$w6_13 << EOD
1 4.9420
EOD
$w6_14 << EOD
1 4.1390
2 3.1240
4 3.4460
8 3.3610
EOD
$w6_15 << EOD
1 4.5360
2 2.8660
4 3.4460
8 2.9170
EOD
$w6_16 << EOD
1 1.0130
2 0.9020
4 1.1120
8 0.8250
EOD
$w6_17 << EOD
1 1.4750
2 1.3710
4 1.6660
8 1.6550
EOD
set title "rapid-grow: throughput (higher is better)"
set logscale x 2
unset logscale y
set xrange [0.833333:9.6]
set yrange [0:*]
set xlabel "threads"
set ylabel "Mops/s"
set key outside right top
plot $w6_0 using 1:2 with linespoints lt 1 title "map", \
     $w6_1 using 1:2 with linespoints lt 2 title "mutex", \
     $w6_2 using 1:2 with linespoints lt 3 title "rwmutex", \
     $w6_3 using 1:2 with linespoints lt 4 title "shard", \
     $w6_4 using 1:2 with linespoints lt 5 title "sync", \
     $w6_5 using 1:2 with linespoints lt 6 title "chan", \
     $w6_6 using 1:2 with linespoints lt 7 title "urcu-lfht", \
     $w6_7 using 1:2 with linespoints lt 8 title "ck-ht", \
     $w6_8 using 1:2 with linespoints lt 9 title "tbb-chm", \
     $w6_9 using 1:2 with linespoints lt 10 title "libcuckoo", \
     $w6_10 using 1:2 with linespoints lt 11 title "absl-flat", \
     $w6_11 using 1:2 with linespoints lt 12 title "absl-flat-mutex", \
     $w6_12 using 1:2 with linespoints lt 13 title "glib", \
     $w6_13 using 1:2 with linespoints lt 14 title "go-map", \
     $w6_14 using 1:2 with linespoints lt 15 title "go-map-mutex", \
     $w6_15 using 1:2 with linespoints lt 16 title "go-map-rwmutex", \
     $w6_16 using 1:2 with linespoints lt 17 title "go-syncmap", \
     $w6_17 using 1:2 with linespoints lt 18 title "go-chan"
set xrange [*:*]
unset logscale x

# ---- st-insert
$w7 << EOD
"x" "map" "mutex" "rwmutex" "shard" "sync" "chan" "urcu-lfht" "ck-ht" "tbb-chm" "libcuckoo" "absl-flat" "absl-flat-mutex" "glib" "go-map" "go-map-mutex" "go-map-rwmutex" "go-syncmap" "go-chan" "map-default" "map-nochecks" "map-notrace"
"u64 2^10" 57.7710 68.9600 70.9310 58.0840 78.2410 49666.8990 397.2240 59.7280 28.4500 33.6920 31.6970 35.7950 28.7140 60.9450 62.0450 65.8300 207.1620 328.1810 58.2610 38.0640 37.9280
"u64 2^16" 56.6930 68.8730 70.1110 79.4250 100.7440 55488.4120 500.9960 153.4340 138.5380 179.7980 57.8950 63.2530 82.6000 119.3440 151.2130 146.3250 620.7280 451.0540 60.5010 59.3970 60.8860
"u64 2^20" 128.9260 178.4130 154.7480 222.0580 259.3290 991.2520 731.7860 352.6700 498.9320 452.8880 90.6630 121.6050 197.0790 205.4290 302.3970 263.4690 970.5950 582.1740 116.4060 112.6910 118.7650
"u64 2^23" 211.2850 287.0420 354.5420 317.6050 368.9550 1056.8450 ? 434.4540 654.3300 495.2850 142.1370 155.2270 209.2110 301.1790 304.8810 299.2810 ? 698.0370 182.8410 175.7500 182.6720
"str 2^10" 61.8150 70.1380 75.4530 78.5540 70.0350 15059.9800 103.7570 49.8980 59.1250 235.3240 131.1610 97.8110 70.0010 63.7810 65.8590 70.1970 189.8120 461.0050 93.3560 83.6100 95.4050
"str 2^16" 190.8190 192.8750 134.6000 220.4460 259.5090 618.0060 299.2510 264.4610 402.4370 348.7140 269.7120 355.8960 207.7950 303.0970 309.9330 302.9870 1057.9260 921.8610 254.3970 229.4980 300.6720
"str 2^20" 299.7540 418.9130 357.8650 418.3890 330.8250 703.2820 730.8130 545.4860 555.1110 823.1660 478.0790 675.7070 245.3960 485.9250 509.9150 517.5300 1500.2050 942.1320 336.5590 287.6310 285.5560
"str 2^23" 406.3350 486.1280 490.7960 491.3610 644.8370 ? ? 721.3510 ? ? 819.4210 972.2090 362.1200 648.9450 634.6130 667.0700 ? ? 513.8150 490.0530 437.3160
EOD
set title "st-insert: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:22] $w7 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- st-hit
$w8 << EOD
"x" "map" "mutex" "rwmutex" "shard" "sync" "chan" "urcu-lfht" "ck-ht" "tbb-chm" "libcuckoo" "absl-flat" "absl-flat-mutex" "glib" "go-map" "go-map-mutex" "go-map-rwmutex" "go-syncmap" "go-chan" "map-default" "map-nochecks" "map-notrace"
"u64 2^10" 7.9900 13.9370 12.1570 18.9740 15.0030 255.0740 371.9520 20.0490 18.2500 11.1300 3.6670 7.9320 9.0070 22.6020 23.5010 23.6390 50.9640 257.5780 7.9510 7.6970 7.7750
"u64 2^16" 12.6320 22.1190 20.5080 29.9650 20.4560 55448.7940 ? 73.4580 169.4870 73.9050 16.9120 47.2420 18.9780 54.0730 54.2880 57.2110 305.7020 403.6520 12.5390 13.4170 15.2310
"u64 2^20" 124.4870 121.1560 117.8220 110.2510 78.0740 484.4960 495.0620 169.0450 359.7890 119.8050 40.1220 76.7440 78.4080 83.1440 104.7520 99.8340 599.9520 510.2190 67.0030 67.7050 65.0730
"u64 2^23" 80.2970 133.4880 133.4180 145.4160 94.7770 ? ? 267.7680 ? 137.9020 72.4090 164.9150 99.7150 94.0500 126.9060 116.5650 ? ? 98.0110 119.7590 122.6170
"str 2^10" 17.2910 24.4600 22.2010 32.3430 15.8730 54049.5660 397.5120 23.6680 29.6730 28.8030 12.0780 16.1760 29.4970 31.9510 27.3540 26.9540 56.4660 260.5520 16.3130 16.4400 15.9610
"str 2^16" 175.0450 420.4020 238.8900 500.3580 304.4520 55641.3160 ? 371.1710 523.5960 357.8350 218.4560 172.1320 161.1750 114.2690 160.1220 201.9790 641.1840 588.1190 95.4290 110.1810 74.9120
"str 2^20" 318.3670 321.0150 443.0110 465.4730 439.4830 ? 861.6890 450.6250 792.2160 350.1490 270.8770 325.8610 420.5050 176.2750 218.7060 199.2280 994.1950 847.2370 450.7530 348.6710 286.7300
"str 2^23" ? ? ? ? ? ? ? ? ? ? ? ? ? 221.0370 ? ? ? ? ? ? ?
EOD
set title "st-hit: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:22] $w8 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- st-miss
$w9 << EOD
"x" "map" "mutex" "rwmutex" "shard" "sync" "chan" "urcu-lfht" "ck-ht" "tbb-chm" "libcuckoo" "absl-flat" "absl-flat-mutex" "glib" "go-map" "go-map-mutex" "go-map-rwmutex" "go-syncmap" "go-chan"
"u64 2^10" 7.7750 14.9340 12.3220 20.8220 13.9070 191.8800 409.6450 18.8960 14.7090 76.4120 5.8580 8.7720 8.1170 20.0680 22.3480 22.3480 64.7640 361.9470
"u64 2^16" 13.4350 24.1400 20.9310 31.8560 38.6630 58211.9050 ? 56.7400 116.4540 71.9730 7.7310 13.3620 23.4130 78.3290 84.5390 95.3720 151.4420 450.2100
"u64 2^20" 33.0320 63.8070 118.7790 131.0880 88.9130 ? 974.8060 169.1230 279.7670 128.9270 14.3620 20.9540 50.2080 95.2300 110.9010 106.7310 248.7010 509.0740
"u64 2^23" 63.2910 106.2110 113.7200 109.0980 102.6830 ? ? 286.8430 ? 141.7570 42.3720 84.4460 75.6910 125.5320 127.1550 128.9730 ? ?
"str 2^10" 11.7750 19.1400 16.2350 26.6810 11.1790 54778.2240 372.5480 19.6390 24.1960 102.6180 7.2280 13.6730 13.5260 28.0690 29.7310 29.3310 49.3510 260.1550
"str 2^16" 13.1250 21.1440 19.0030 28.6800 16.3460 54927.0570 ? 60.8690 191.5650 114.5180 13.4150 19.7180 31.6160 55.1650 71.3770 57.4450 130.2450 408.8350
"str 2^20" 58.6570 59.4190 61.9030 90.2370 78.5960 ? 763.5610 188.5490 615.2620 253.6430 56.4200 73.9410 135.3720 140.0570 250.6850 193.5240 253.8540 549.6730
"str 2^23" 133.6020 ? 149.1430 178.0870 120.1440 ? ? ? ? ? 105.2780 ? 144.7160 186.9240 ? ? ? ?
EOD
set title "st-miss: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:19] $w9 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- st-delete
$w10 << EOD
"x" "map" "mutex" "rwmutex" "shard" "sync" "chan" "urcu-lfht" "ck-ht" "tbb-chm" "libcuckoo" "absl-flat" "absl-flat-mutex" "glib" "go-map" "go-map-mutex" "go-map-rwmutex" "go-syncmap" "go-chan"
"u64 2^10" 10.8460 17.7710 19.4920 25.6920 33.6530 55700.7410 572.8260 28.9000 41.6630 20.0010 6.6310 9.5360 19.3740 30.7380 32.9200 41.5360 76.5290 276.4050
"u64 2^16" 16.9190 26.4880 38.7820 37.1100 66.7110 52492.5790 ? 62.2550 225.9340 64.6650 18.3050 25.5870 49.2930 71.2350 79.0800 94.6780 387.6080 431.6500
"u64 2^20" 75.5640 108.7910 127.0920 135.9310 229.3260 ? 1503.0890 161.1390 571.0940 123.0650 61.7980 94.5280 171.0290 186.8060 152.3040 165.2420 789.8720 674.3860
"u64 2^23" 117.2840 169.7280 178.9810 203.3310 315.1610 ? ? 241.1430 ? 136.6180 246.7130 182.6320 154.6650 151.8970 164.8640 160.8070 ? ?
"str 2^10" 31.1400 50.9050 38.0160 52.2750 40.5100 54014.0940 658.8950 74.6120 57.7510 50.9350 25.8780 29.5160 71.7560 34.4310 40.2740 45.5950 67.6880 262.2540
"str 2^16" 200.9240 369.3500 343.0460 416.6500 565.6400 57558.4450 675.7820 485.1400 465.1660 328.4830 253.0950 301.0910 248.8310 130.9530 264.6880 281.8520 523.4560 655.4490
"str 2^20" 491.5450 675.9580 746.5730 551.9780 829.3820 ? ? 678.8490 752.3700 521.7240 449.3790 501.6350 584.0610 225.8950 266.8190 267.7310 684.1130 760.7510
EOD
set title "st-delete: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:19] $w10 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- st-iter
$w11 << EOD
"x" "map" "mutex" "rwmutex" "shard" "sync" "urcu-lfht" "ck-ht" "tbb-chm" "libcuckoo" "absl-flat" "absl-flat-mutex" "glib" "go-map" "go-map-mutex" "go-map-rwmutex" "go-syncmap" "go-chan"
"u64 2^10" 8.6850 8.6550 8.6750 16.9490 10.2700 4.0490 3.7950 2.0830 514.0660 3.7560 3.7360 5.1340 19.7170 19.7360 11.4330 22.1070 11.9710
"u64 2^16" 8.6700 9.4280 10.7530 16.7760 12.1060 ? 9.8990 17.4540 14.5100 4.4980 4.3580 12.1940 11.4940 11.3160 11.6700 80.4950 12.6490
"u64 2^20" 9.1750 8.9310 8.7010 14.3620 22.0990 718.0610 10.1380 32.2060 14.7500 4.5840 4.3370 12.4700 14.4660 13.7330 13.2920 178.5390 13.5070
"u64 2^23" 8.9850 9.5830 9.4040 17.4850 28.3580 ? 10.3260 ? 9.4610 4.7150 4.7550 12.4170 12.9570 13.1210 12.6250 ? 13.3750
"str 2^10" 9.2130 10.5920 9.2230 31.9230 20.9300 3.9010 4.1660 3.0120 1355.2680 3.8630 4.3220 5.1250 18.4060 11.8240 11.7750 22.1560 18.8950
"str 2^16" 15.4740 18.1760 11.4160 33.2310 49.3780 ? 24.3060 38.3210 45.8900 7.4040 9.0920 26.3770 42.0900 47.9880 40.4650 108.3970 34.1240
"str 2^20" 61.2300 58.9990 58.8370 161.9360 89.5790 ? 31.0830 37.7060 61.5250 14.7780 14.0910 41.7400 72.2040 75.2830 71.8720 216.5250 99.7620
"str 2^23" 79.2320 ? 92.1670 ? ? ? ? ? ? ? 26.4770 67.0420 121.1760 ? ? ? ?
EOD
set title "st-iter: ns/op, single thread (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xlabel ""
set ylabel "ns/op"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:18] $w11 using i:xtic(1) lt (i-1) title columnheader(i)

# ---- grow-latency
$w12_0 << EOD
0 210.31
1 440.70
2 2834.20
3 6669.90
4 49413.50
5 245304.70
6 4071732.80
EOD
$w12_1 << EOD
0 220.33
1 480.70
2 2754.10
3 6449.50
4 48632.00
5 204933.40
6 2545078.10
EOD
$w12_2 << EOD
0 340.51
1 570.90
2 2704.00
3 6379.50
4 51526.80
5 194870.30
6 4108730.10
EOD
$w12_3 << EOD
0 300.45
1 540.80
2 3054.50
3 7230.80
4 49293.30
5 100749.90
6 2693546.80
EOD
$w12_4 << EOD
0 280.42
1 771.10
2 1362.00
3 4296.40
4 51216.10
5 4062887.60
6 27994711.40
EOD
$w12_5 << EOD
0 360.54
1 681.00
2 1221.80
3 1862.80
4 40460.20
5 82693.00
6 647651471.90
EOD
$w12_6 << EOD
0 440.65
1 1482.20
2 9093.50
3 26899.80
4 95241.00
5 620328.40
6 183649381.30
EOD
$w12_7 << EOD
0 350.52
1 600.90
2 871.30
3 1191.80
4 62483.00
5 149732.80
6 260107530.90
EOD
$w12_8 << EOD
0 340.50
1 550.80
2 791.20
3 1121.70
4 54781.10
5 146036.30
6 246803505.00
EOD
$w12_9 << EOD
0 320.48
1 560.80
2 931.40
3 1632.40
4 51656.50
5 104675.10
6 254347079.60
EOD
$w12_10 << EOD
0 281.00
1 801.00
2 1622.00
3 2554.00
4 65356.00
5 191764.00
6 761950658.00
EOD
$w12_11 << EOD
0 260.00
1 691.00
2 1412.00
3 2714.00
4 55212.00
5 571977.00
6 806336382.00
EOD
$w12_12 << EOD
0 270.00
1 661.00
2 1272.00
3 2454.00
4 51496.00
5 271502.00
6 686474509.00
EOD
$w12_13 << EOD
0 681.00
1 1262.00
2 2844.00
3 36434.00
4 86779.00
5 234898.00
6 784559080.00
EOD
set title "grow-latency: ns per insert by percentile (lower is better)"
unset logscale
set logscale y
set yrange [*:*]
set xrange [-0.3:6.3]
set xtics ("p50" 0, "p90" 1, "p99" 2, "p99.9" 3, "p99.99" 4, "p99.999" 5, "max" 6)
set xlabel "percentile"
set ylabel "ns"
set key outside right top
plot $w12_0 using 1:2 with linespoints lt 1 title "map", \
     $w12_1 using 1:2 with linespoints lt 2 title "mutex", \
     $w12_2 using 1:2 with linespoints lt 3 title "rwmutex", \
     $w12_3 using 1:2 with linespoints lt 4 title "shard", \
     $w12_4 using 1:2 with linespoints lt 5 title "sync", \
     $w12_5 using 1:2 with linespoints lt 6 title "ck-ht", \
     $w12_6 using 1:2 with linespoints lt 7 title "libcuckoo", \
     $w12_7 using 1:2 with linespoints lt 8 title "absl-flat", \
     $w12_8 using 1:2 with linespoints lt 9 title "absl-flat-mutex", \
     $w12_9 using 1:2 with linespoints lt 10 title "glib", \
     $w12_10 using 1:2 with linespoints lt 11 title "go-map", \
     $w12_11 using 1:2 with linespoints lt 12 title "go-map-mutex", \
     $w12_12 using 1:2 with linespoints lt 13 title "go-map-rwmutex", \
     $w12_13 using 1:2 with linespoints lt 14 title "go-chan"
set xtics autofreq
set xrange [*:*]

# ---- memory
set xtics rotate by -40 left
$w13 << EOD
"x" "K=1000000" "K=1500000"
"map" 35.6600 23.7700
"mutex" 35.6600 23.7700
"rwmutex" 35.6600 23.7700
"shard" 35.6900 23.7900
"sync" 43.4000 73.2300
"chan" 35.6600 23.7700
"urcu-lfht" 66.1000 75.1900
"ck-ht" 69.2100 92.2800
"tbb-chm" 64.7800 70.3700
"libcuckoo" 23.0700 27.9600
"absl-flat" 35.6600 23.7700
"absl-flat-mutex" 35.6600 23.7700
"glib" 33.5700 22.3800
"go-map" 40.1500 28.5100
"go-map-mutex" 40.1500 28.5100
"go-map-rwmutex" 40.1500 28.5000
"go-syncmap" 97.9300 80.9100
"go-chan" 40.1500 28.5100
EOD
set title "memory: heap bytes per entry (lower is better)"
unset logscale
set yrange [0:*]
set xlabel ""
set ylabel "bytes/entry"
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot for [i=2:3] $w13 using i:xtic(1) lt (i-1) title columnheader(i)
set xtics norotate
unset multiplot
