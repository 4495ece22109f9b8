# gnuplot script written by `gomap bench`; run: gnuplot docs/results/article.gp
set terminal svg size 1600,550 noenhanced font "sans,10" background rgb "white"
set output "docs/results/article.svg"
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
set multiplot layout 1,2 title "gomap bench  |  AMD EPYC, 2 CPUs  |  GNU 12.2.0 -O3 -DNDEBUG  |  2026-11-26" font ",11"

# ---- seed-read
$w0 << EOD
"mutex" 400.9050
"rwmutex" 102.4870
"shard" 167.7520
"sync" 110.5520
"chan" 725.3360
"urcu-lfht" 364.5980
"ck-ht" 116.3470
"tbb-chm" 148.0150
"libcuckoo" 189.9580
"absl-flat-mutex" 152.6210
"go-map-mutex" 162.0060
"go-map-rwmutex" 59.4490
"go-syncmap" 624.7570
"go-chan" 436.4460
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
"mutex" 237.9300
"rwmutex" 1111.6190
"shard" 303.3270
"sync" 221.6600
"chan" 1247.4940
"urcu-lfht" 375.7480
"ck-ht" 465.4550
"tbb-chm" 217.8760
"libcuckoo" 334.4910
"absl-flat-mutex" 208.7770
"go-map-mutex" 269.0090
"go-map-rwmutex" 237.5400
"go-syncmap" 802.6210
"go-chan" 480.6900
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
unset multiplot
