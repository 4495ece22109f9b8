# gnuplot script written by `gomap bench`; run: gnuplot docs/results/growmem.gp
set terminal svg size 1600,550 noenhanced font "sans,10" background rgb "white"
set output "docs/results/growmem.svg"
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

# ---- grow-latency
$w0_0 << EOD
0 180.27
1 360.50
2 2393.60
3 5207.80
4 25998.70
5 169402.20
6 849364.30
EOD
$w0_1 << EOD
0 220.33
1 440.70
2 651.00
3 901.30
4 6008.90
5 66378.70
6 213053243.50
EOD
$w0_2 << EOD
0 210.31
1 370.60
2 590.90
3 931.40
4 5898.80
5 66719.20
6 189593196.70
EOD
$w0_3 << EOD
0 211.00
1 611.00
2 1172.00
3 1843.00
4 31727.00
5 73118.00
6 604136916.00
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
plot $w0_0 using 1:2 with linespoints lt 1 title "map", \
     $w0_1 using 1:2 with linespoints lt 2 title "absl-flat", \
     $w0_2 using 1:2 with linespoints lt 3 title "glib", \
     $w0_3 using 1:2 with linespoints lt 4 title "go-map"
set xtics autofreq
set xrange [*:*]

# ---- memory
set xtics rotate by -40 left
$w1 << EOD
"x" "K=1000000" "K=1500000"
"map" 35.6600 23.7700
"absl-flat" 35.6600 23.7700
"glib" 33.5700 22.3800
"go-map" 40.1500 28.5100
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
plot for [i=2:3] $w1 using i:xtic(1) lt (i-1) title columnheader(i)
set xtics norotate
unset multiplot
