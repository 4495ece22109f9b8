# gnuplot script written by `gomap bench`; run: gnuplot docs/results/full-matrix.gp
set terminal svg size 1600,1930 noenhanced font "sans,10" background rgb "white"
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
set multiplot layout 4,2 title "gomap bench  |  AMD EPYC; 2 CPUs usable; Linux 6.18.44-fc-v657 x86_64  |  C GNU 12.2.0 [-O3 -DNDEBUG]  |  2026-11-26" font ",11"

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
EOD
$w6_8 << EOD
1 1.9130
2 2.8750
4 3.0280
EOD
$w6_9 << EOD
1 2.8480
2 5.8580
4 3.6400
EOD
$w6_10 << EOD
1 10.4270
EOD
$w6_11 << EOD
1 7.5110
2 3.0870
4 3.0350
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
EOD
$w6_15 << EOD
1 4.5360
2 2.8660
4 3.4460
EOD
$w6_16 << EOD
1 1.0130
2 0.9020
4 1.1120
EOD
$w6_17 << EOD
1 1.4750
2 1.3710
4 1.6660
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
unset multiplot
