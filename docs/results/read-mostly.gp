# gnuplot script written by `gomap bench`; run: gnuplot docs/results/read-mostly.gp
set terminal svg size 900,550 noenhanced font "sans,10" background rgb "white"
set output "docs/results/read-mostly.svg"
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
set multiplot layout 1,1 title "gomap bench  |  AMD EPYC, 2 CPUs  |  GNU 12.2.0 -O3 -DNDEBUG  |  2026-11-26" font ",11"

# ---- read-mostly
$w0_0 << EOD
1 4.7100
2 3.5410
8 2.5030
EOD
$w0_1 << EOD
1 4.7710
2 1.9120
8 4.7360
EOD
$w0_2 << EOD
1 5.0970
2 5.6210
8 4.6790
EOD
$w0_3 << EOD
1 4.8890
2 7.8270
8 8.6540
EOD
$w0_4 << EOD
1 0.8180
2 2.2230
8 2.2040
EOD
$w0_5 << EOD
1 2.9600
2 3.5020
8 3.5680
EOD
$w0_6 << EOD
1 5.9160
2 14.0350
8 10.9380
EOD
$w0_7 << EOD
1 4.9410
2 9.4840
8 8.8380
EOD
$w0_8 << EOD
1 8.7900
2 18.1440
8 6.5410
EOD
$w0_9 << EOD
1 9.3820
2 5.8580
8 6.1610
EOD
$w0_10 << EOD
1 9.6610
2 7.8230
8 7.7550
EOD
$w0_11 << EOD
1 2.0760
2 2.4670
8 2.5940
EOD
$w0_12 << EOD
1 2.0010
2 2.1520
8 1.8380
EOD
set title "read-mostly: throughput (higher is better)"
set logscale x 2
unset logscale y
set xrange [0.833333:9.6]
set yrange [0:*]
set xlabel "threads"
set ylabel "Mops/s"
set key outside right top
plot $w0_0 using 1:2 with linespoints lt 1 title "mutex", \
     $w0_1 using 1:2 with linespoints lt 2 title "rwmutex", \
     $w0_2 using 1:2 with linespoints lt 3 title "shard", \
     $w0_3 using 1:2 with linespoints lt 4 title "sync", \
     $w0_4 using 1:2 with linespoints lt 5 title "chan", \
     $w0_5 using 1:2 with linespoints lt 6 title "urcu-lfht", \
     $w0_6 using 1:2 with linespoints lt 7 title "ck-ht", \
     $w0_7 using 1:2 with linespoints lt 8 title "tbb-chm", \
     $w0_8 using 1:2 with linespoints lt 9 title "libcuckoo", \
     $w0_9 using 1:2 with linespoints lt 10 title "go-map-mutex", \
     $w0_10 using 1:2 with linespoints lt 11 title "go-map-rwmutex", \
     $w0_11 using 1:2 with linespoints lt 12 title "go-syncmap", \
     $w0_12 using 1:2 with linespoints lt 13 title "go-chan"
set xrange [*:*]
unset logscale x
unset multiplot
