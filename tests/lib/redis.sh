# redis.sh - start and stop a private redis-server for tests (source this file).
#
# Each server listens on 127.0.0.1 only, on a port the kernel reports free, keeps no
# data on disk (--save '' --appendonly no) and lives in its own directory, so tests
# never touch a system Redis and can run in parallel.
#
#   port=$(redis_start DIR [extra redis-server args...])   # prints the port
#   redis_start_port DIR PORT [extra args...]               # same port again (restart)
#   redis_stop DIR                                          # SIGKILL, wait until gone
#   redis_cli DIR args...                                   # redis-cli on that server

redis_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

redis_start_port() {
    local dir=$1 port=$2
    shift 2
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd) || return 1 # redis-server chdirs to --dir first
    echo "$port" > "$dir/port"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" \
        --logfile "$dir/redis.log" "$@" >/dev/null || return 1
    # Ready when it answers (NOAUTH and similar errors also prove it is up).
    local i
    for i in $(seq 1 100); do
        if redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null | grep -q -e PONG -e NOAUTH; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

redis_start() {
    local dir=$1 port tries
    shift
    for tries in 1 2 3 4 5; do
        port=$(redis_free_port) || return 1
        if redis_start_port "$dir" "$port" "$@"; then
            echo "$port"
            return 0
        fi
        redis_stop "$dir"
    done
    return 1
}

redis_stop() {
    local dir=$1 pid i
    [ -f "$dir/redis.pid" ] || return 0
    pid=$(cat "$dir/redis.pid")
    kill -9 "$pid" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        # Reparented daemons may linger as zombies until their reaper runs: dead.
        case $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) in Z|X|'') break ;; esac
        sleep 0.02
    done
    rm -f "$dir/redis.pid"
}

redis_cli() {
    local dir=$1
    shift
    redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" "$@"
}
