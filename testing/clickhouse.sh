# Sourced by scripts/test: a throwaway two-shard ClickHouse cluster for tests. Two clickhouse-server
# processes (Debian's 18.16), each with its own config and data folder, on 127.0.0.2 and 127.0.0.3 with the
# same HTTP and native ports (as on a real cluster, where every server listens on the same ports), and a
# remote_servers definition `billpipe_test` naming both as shards. Not 127.0.0.1: ClickHouse takes a shard
# whose address is one of the machine's interface addresses (lo's 127.0.0.1) and whose port is its own for
# itself, so the server on 127.0.0.2 would read its own table for the shard on 127.0.0.1. 127.0.0.2 and
# 127.0.0.3 are loopback too, but no interface's address: each server reaches each shard over the network.
# ch_start exports BILLPIPE_TEST_CLICKHOUSE (http://127.0.0.2:PORT, the first shard),
# BILLPIPE_TEST_CLICKHOUSE_SHARD2 (http://127.0.0.3:PORT),
# BILLPIPE_TEST_CLICKHOUSE_CLUSTER (billpipe_test), BILLPIPE_TEST_CLICKHOUSE_PASSWORD_USER (billpipe_pw, a user
# that needs the password in BILLPIPE_TEST_CLICKHOUSE_PASSWORD, random per start; `default` needs none, and
# the servers talk to each other as `default`), CH_DIR and CH_HTTP_PORT; ch_stop stops both servers and
# removes their folders. ch_stop_shard N / ch_start_shard N stop and start shard N (1 or 2) alone: tests do,
# with `bash -c 'source testing/clickhouse.sh; ch_start_shard 2'` (the server's pid is in
# $CH_DIR/shardN/pid, which ch_stop reads, so a restarted server is stopped too).
_ch_free_port() {  # a port free on both addresses
  python3 - <<'PY'
import socket
for _ in range(100):
    a = socket.socket(); a.bind(("127.0.0.2", 0)); port = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.3", port))
    except OSError:
        a.close(); b.close(); continue
    a.close(); b.close(); print(port); break
PY
}

_ch_write_config() {  # DIR HOST
  local dir=$1 host=$2
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/server.log</log><errorlog>$dir/error.log</errorlog><console>0</console></logger>
  <listen_host>$host</listen_host>
  <http_port>$CH_HTTP_PORT</http_port>
  <tcp_port>$CH_TCP_PORT</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <remote_servers>
    <billpipe_test>
      <shard><replica><host>127.0.0.2</host><port>$CH_TCP_PORT</port></replica></shard>
      <shard><replica><host>127.0.0.3</host><port>$CH_TCP_PORT</port></replica></shard>
    </billpipe_test>
  </remote_servers>
</yandex>
XML
  cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <!-- Writing a part holds a compression and a file buffer of max_compress_block_size (1 MiB by default) per
       stream, two streams per Nullable column: a CUR table's ~300 columns need over 1 GB per insert with the
       defaults. 64 KiB buffers: about 80 MB. -->
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><max_compress_block_size>65536</max_compress_block_size></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.0/8</ip></networks><profile>default</profile><quota>default</quota></default>
    <billpipe_pw><password>$CH_PASSWORD</password><networks><ip>127.0.0.0/8</ip></networks><profile>default</profile><quota>default</quota></billpipe_pw></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

ch_start_shard() {  # N
  local n=$1 host=127.0.0.$(($1 + 1)) dir=$CH_DIR/shard$1
  local as=()
  # setpriv execs the server (same pid), unlike runuser, so the pid is the server's.
  [ "$(id -u)" = 0 ] && as=(setpriv --reuid=clickhouse --regid=clickhouse --init-groups)
  "${as[@]}" /usr/sbin/clickhouse-server --config-file="$dir/config.xml" >>"$dir/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pid"
  for _ in $(seq 1 300); do
    if curl -fsS "http://$host:$CH_HTTP_PORT/ping" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "clickhouse shard $n did not start:" >&2
  tail -n 20 "$dir/error.log" "$dir/stdout.log" >&2 2>/dev/null
  return 1
}

ch_stop_shard() {  # N
  local file=$CH_DIR/shard$1/pid
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  rm -f "$file"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

ch_start() {
  export CH_DIR CH_HTTP_PORT
  CH_DIR=$(mktemp -d /tmp/billpipe-ch-XXXXXX)
  chmod 755 "$CH_DIR"
  CH_HTTP_PORT=$(_ch_free_port)
  CH_TCP_PORT=$(_ch_free_port)
  CH_PASSWORD=chpw-$(python3 -c 'import secrets; print(secrets.token_hex(12))')
  _ch_write_config "$CH_DIR/shard1" 127.0.0.2
  _ch_write_config "$CH_DIR/shard2" 127.0.0.3
  [ "$(id -u)" = 0 ] && chown -R clickhouse:clickhouse "$CH_DIR"
  ch_start_shard 1 && ch_start_shard 2 || { ch_stop; return 1; }
  export BILLPIPE_TEST_CLICKHOUSE="http://127.0.0.2:$CH_HTTP_PORT"
  export BILLPIPE_TEST_CLICKHOUSE_SHARD2="http://127.0.0.3:$CH_HTTP_PORT"
  export BILLPIPE_TEST_CLICKHOUSE_CLUSTER=billpipe_test
  export BILLPIPE_TEST_CLICKHOUSE_PASSWORD_USER=billpipe_pw
  export BILLPIPE_TEST_CLICKHOUSE_PASSWORD=$CH_PASSWORD
  echo "== ClickHouse cluster billpipe_test: 127.0.0.2 and 127.0.0.3, HTTP port $CH_HTTP_PORT"
}

ch_stop() {
  [ -n "${CH_DIR:-}" ] || return 0
  ch_stop_shard 1
  ch_stop_shard 2
  rm -rf "$CH_DIR"
  CH_DIR=
}
