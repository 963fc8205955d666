#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the Slurm test (deploy/slurm/test.sh) and for trying the
# worker template: installs Debian's slurm-wlm and munge if they are missing, writes /etc/slurm/slurm.conf,
# and starts munged, slurmctld and slurmd. Must run as root. A real cluster has all of this already.
# Usage: deploy/slurm/cluster.sh start [cpus=4] | stop
set -euo pipefail
action="${1:?usage: deploy/slurm/cluster.sh start [cpus] | stop}"
[ "$(id -u)" = 0 ] || { echo "deploy/slurm/cluster.sh must run as root (slurmctld, slurmd and munged are system daemons)" >&2; exit 1; }
host="$(hostname -s)"

stop() {
  scancel --full --quiet --user=root 2>/dev/null || true
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  pkill -x munged 2>/dev/null || true
  for _ in $(seq 1 50); do
    pgrep -x slurmd > /dev/null || pgrep -x slurmctld > /dev/null || pgrep -x munged > /dev/null || return 0
    sleep 0.2
  done
  for daemon in slurmd slurmctld munged; do pkill -9 -x "$daemon" 2>/dev/null || true; done
}

case "$action" in
  stop)
    stop
    echo "slurm stopped"
    ;;
  start)
    cpus="${2:-4}"
    if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge > /dev/null
    fi
    stop
    # munge authenticates every Slurm message; the package creates the key.
    [ -f /etc/munge/munge.key ] || mungekey --create
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    su -s /bin/sh munge -c /usr/sbin/munged
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
    # CPUs may exceed the cores: config_overrides makes slurmd take the node as configured, so that a 2-core
    # machine can hold several one-CPU worker jobs at once (the test needs three for the elastic launcher).
    cat > /etc/slurm/slurm.conf <<CONF
ClusterName=tunelog
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld
    slurmd
    for _ in $(seq 1 60); do
      state=$(sinfo --noheader --nodes="$host" --format=%t 2>/dev/null | head -1)
      case "$state" in idle|mix|alloc) echo "slurm up: node $host $state with $cpus CPUs"; exit 0 ;; esac
      sleep 1
    done
    sinfo >&2 || true
    tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
    echo "slurm did not come up" >&2
    exit 1
    ;;
  *)
    echo "usage: deploy/slurm/cluster.sh start [cpus] | stop" >&2
    exit 2
    ;;
esac
