#!/bin/bash
# prints overall cpu busy% every 0.5 s
prev=($(head -1 /proc/stat)); 
for i in $(seq 1 $1); do sleep 0.5; cur=($(head -1 /proc/stat)); 
 idle=$(( ${cur[4]} - ${prev[4]} )); tot=0; for j in 1 2 3 4 5 6 7 8; do tot=$(( tot + ${cur[$j]} - ${prev[$j]} )); done; echo -n "$(( 100 - 100*idle/tot ))% "; prev=(${cur[@]}); done; echo
