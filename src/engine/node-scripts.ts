/**
 * The constant shell scripts Tunnel Doctor runs on AKS Linux nodes through VMSS run-command
 * (`commandId: RunShellScript`), and the validation of the values they are given.
 *
 * How values reach a script. The action run-command on Linux takes `parameters: [{ name, value }]`
 * next to `script: string[]`. The platform does not pass them as argv to our text: it adds a
 * prelude at the top of the script, `export NAME=value ...` followed by `set -- value ...`
 * (Run Command team, Azure/azure-cli#10400; the CLI example `--scripts 'echo $1 $2'
 * --parameters hello world` relies on the `set --` half, and issue #9596 shows a named
 * parameter `arg1=Param1` in the script's environment). The managed run-command handler does
 * the same with `os.Setenv(name, value)` for named parameters and appends unnamed ones to the
 * command line unquoted (Azure/run-command-handler-linux, internal/exec/exec.go,
 * SetEnvironmentVariables). So:
 *  - every parameter is named and every script reads its inputs only from the environment;
 *  - values are validated against strict allow-lists (`validateScriptParameters`) BEFORE any
 *    run-command: the prelude splices them into script text on the node, where we cannot
 *    quote them, so nothing but dotted quads, digits, chain names and host names may go in —
 *    no spaces either (TARGETS is comma-separated for that reason);
 *  - the scripts still quote every expansion and re-check their inputs, as defence in depth;
 *  - no script starts with `#!`: #9596 reports parameters vanishing when one does.
 *
 * Every script prints `TD-BEGIN <id>` first and `TD-END` last. Run-command returns only the
 * last 4096 bytes of stdout (learn.microsoft.com, "Run scripts in your Linux VM by using
 * Run Command", Restrictions), so a missing TD-BEGIN means the output was cut.
 */

export interface NodeScript {
  id: NodeScriptId;
  /** RunPowerShellScript on Windows nodes; absent = bash through RunShellScript. */
  shell?: 'powershell';
  /** First line: `# tunnel-doctor-script: <id>`. Joined with "\n" on the node. */
  lines: readonly string[];
}

export type NodeScriptId =
  | 'probe-kubelet'
  | 'host-firewall'
  | 'probe-egress'
  | 'ufw-allow-kubelet'
  | 'ufw-disable'
  | 'iptables-delete-rule'
  | 'iptables-insert-accept'
  | 'windows-firewall';

export interface ScriptParameter {
  name: string;
  value: string;
}

/** The most targets one probe-kubelet run takes: its output stays under 4096 bytes up to here. */
export const MAX_PROBE_TARGETS = 1000;
/** The kubelet port the API server's tunnel dials on every node. */
export const KUBELET_PORT = 10250;
/** Byte budget for ufw status plus the iptables listing in host-firewall (see the script). */
export const HOST_FIREWALL_BUDGET = 3800;
/** Byte budget for host-firewall's further reads (kubelet state, nft, iptables -S), within HOST_FIREWALL_BUDGET. */
export const NODE_READS_BUDGET = 1400;
/** Byte budget for the nft ruleset within NODE_READS_BUDGET. */
export const NFT_BUDGET = 700;
/** Byte budget for probe-kubelet's per-target failure lines before they are elided. */
export const PROBE_DETAIL_BUDGET = 2000;

const HEADER_PREFIX = '# tunnel-doctor-script: ';

function script(id: NodeScriptId, body: string): NodeScript {
  const lines = body.replace(/^\n/, '').replace(/\n$/, '').split('\n');
  if (lines[0] !== `${HEADER_PREFIX}${id}`) throw new Error(`node script ${id} must start with its header`);
  return { id, lines: Object.freeze(lines) };
}

// Shared regular expressions, written once for the bash side. They must accept exactly what
// the TypeScript validators below accept (test/engine/host/node-scripts-bash.test.ts checks).
const BASH_IPV4 = String.raw`^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$`;
const BASH_CIDR = String.raw`^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?$`;
const BASH_PORT = String.raw`^[1-9][0-9]{0,4}$`;
const BASH_CHAIN = String.raw`^([A-Z][A-Z0-9_-]{0,27}|(ufw6?|cali)-[A-Za-z0-9_-]{1,23})$`;
const BASH_FQDN = String.raw`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$`;

/**
 * probe-kubelet — TCP-probe PORT on every address in TARGETS from this node, 64 at a time.
 * Output: one line per target that is NOT open (`timeout <ip>`, `refused <ip>`,
 * `error <ip> <reason>`, `not-https <ip> http-<code>`), then `TD-SUMMARY`. A target that accepts
 * the TCP connection is asked for https://<ip>:PORT/healthz with curl (when the node has curl): the
 * kubelet serves only TLS, so a TLS failure where plain HTTP gets a status code is `not-https`
 * (something other than the kubelet listens there). If those lines would pass PROBE_DETAIL_BUDGET
 * bytes the rest are counted in `TD-ELIDED <n>` and `TD-OUTCOMES <one letter per target, in
 * TARGETS order: o t r e h>` carries the complete result, so 1000 targets still fit in 4096 bytes.
 */
export const PROBE_KUBELET_SCRIPT = script('probe-kubelet', String.raw`
# tunnel-doctor-script: probe-kubelet
# Inputs (run-command parameters, exported by the platform): TARGETS = IPv4 addresses
# separated by commas, PORT = TCP port. Nothing is spliced into this text.
echo "TD-BEGIN probe-kubelet"
td_port_re='${BASH_PORT}'
if ! [[ "$PORT" =~ $td_port_re ]] || [ "$PORT" -gt 65535 ]; then
  echo "TD-ERROR invalid parameter PORT"; echo "TD-END"; exit 2
fi
td_count=$(printf '%s\n' "$TARGETS" | tr ', \t' '\n\n\n' | awk 'NF { n++ } END { print n + 0 }')
if [ "$td_count" -lt 1 ] || [ "$td_count" -gt ${MAX_PROBE_TARGETS} ]; then
  echo "TD-ERROR invalid parameter TARGETS"; echo "TD-END"; exit 2
fi
if ! command -v nc >/dev/null 2>&1; then
  echo "TD-ERROR nc is not installed"; echo "TD-END"; exit 3
fi
export PORT
TD_CURL=$(command -v curl 2>/dev/null || true)
export TD_CURL
export TD_IPV4='${BASH_IPV4}'
# One probe per xargs invocation: "<index> <address>" arrives as $1 (xargs -d disables its
# quote processing), the address only ever reaches nc as a quoted argument.
td_probe='
read -r td_idx td_ip <<< "$1"
if ! [[ "$td_ip" =~ $TD_IPV4 ]]; then
  printf "%s error %s invalid-target\n" "$td_idx" "$(printf "%s" "$td_ip" | tr -c "A-Za-z0-9.:_/-" "?" | cut -c1-40)"
  exit 0
fi
td_out=$(nc -v -z -w 2 "$td_ip" "$PORT" 2>&1 </dev/null)
td_rc=$?
if [ "$td_rc" -eq 0 ]; then
  # TCP answers; is it the kubelet? It only speaks TLS: a TLS failure (000) where plain HTTP gets a
  # status code is the symptom "server gave HTTP response to HTTPS client" (no apostrophes in here: td_probe is single-quoted).
  if [ -n "$TD_CURL" ]; then
    td_tls=$(curl -sk -o /dev/null -m 3 -w "%{http_code}" "https://$td_ip:$PORT/healthz" 2>/dev/null </dev/null)
    if [ "$td_tls" = "000" ]; then
      td_plain=$(curl -s -o /dev/null -m 3 -w "%{http_code}" "http://$td_ip:$PORT/healthz" 2>/dev/null </dev/null)
      # A 400 is Go net/http answering plain HTTP on a TLS port (Client sent an HTTP request to an
      # HTTPS server): a TLS server after all, whatever made the TLS attempt fail.
      if [[ "$td_plain" =~ ^[1-5][0-9][0-9]$ ]] && [ "$td_plain" != "400" ]; then printf "%s not-https %s http-%s\n" "$td_idx" "$td_ip" "$td_plain"; exit 0; fi
    fi
  fi
  printf "%s open %s\n" "$td_idx" "$td_ip"; exit 0
fi
case "$td_out" in
  *"timed out"*) printf "%s timeout %s\n" "$td_idx" "$td_ip" ;;
  *"Connection refused"*) printf "%s refused %s\n" "$td_idx" "$td_ip" ;;
  *) printf "%s error %s %s\n" "$td_idx" "$td_ip" "$(printf "%s" "$td_out" | tail -n 1 | sed "s/^.*failed: //" | tr -c "A-Za-z0-9 .:_()/-" " " | cut -c1-60)" ;;
esac
exit 0
'
printf '%s\n' "$TARGETS" | tr ', \t' '\n\n\n' | awk 'NF { print n++, $1 }' \
  | xargs -d '\n' -n 1 -P 64 bash -c "$td_probe" td-probe \
  | sort -n -k1,1 \
  | awk -v budget=${PROBE_DETAIL_BUDGET} '
{
  r = $2; ip = $3; reason = ""
  for (i = 4; i <= NF; i++) reason = reason (i > 4 ? " " : "") $i
  if (r != "open" && r != "timeout" && r != "refused" && r != "not-https") r = "error"
  count[r]++
  code = "e"; if (r == "open") code = "o"; else if (r == "timeout") code = "t"; else if (r == "refused") code = "r"; else if (r == "not-https") code = "h"
  outcomes = outcomes code
  if (r == "open") next
  line = r " " ip
  if (r == "error" || r == "not-https") line = line " " reason
  if (used + length(line) + 1 <= budget) { print line; used += length(line) + 1 } else elided++
}
END {
  if (elided > 0) { print "TD-ELIDED " elided; print "TD-OUTCOMES " outcomes }
  printf "TD-SUMMARY open=%d timeout=%d refused=%d error=%d not-https=%d\n", count["open"], count["timeout"], count["refused"], count["error"], count["not-https"]
  print "TD-END"
}'
`);

/**
 * host-firewall — the two commands of Microsoft's troubleshooting article,
 * `iptables --list --line-numbers` and `ufw status verbose` (not `-n`: we keep the article's
 * form, so the parser reads service names such as `dpt:ssh` and may see host names as sources).
 *
 * The iptables section comes FIRST and ufw LAST: run-command keeps only the last 4096 bytes of
 * stdout, so whatever is cut is the head of the listing, never the (short) ufw status. When ufw
 * and the listing together pass HOST_FIREWALL_BUDGET, the listing is reduced to INPUT and the
 * chains reachable from it, in the order they are first jumped to (`TD-NOTE … reduced …`). If that
 * still does not fit, whole chains are dropped from the end of that order (`TD-NOTE iptables
 * listing cut to fit`), never part of one, and each dropped chain is named on a
 * `TD-NOTE dropped-chain <name>` line after the listing, so the parser knows a jump into it leads
 * somewhere it cannot see. Those note lines count against the budget; the fixed lines (markers,
 * headings, the two first notes, at most 220 bytes) are what the budget leaves of 4096.
 */
export const HOST_FIREWALL_SCRIPT = script('host-firewall', String.raw`
# tunnel-doctor-script: host-firewall
# No inputs. Prints the host firewall as the troubleshooting article's two commands show it.
# iptables first, ufw last: run-command keeps only the tail of stdout, so a cut can only eat
# the head of the iptables listing; the listing is trimmed by whole chains to avoid even that.
echo "TD-BEGIN host-firewall"
if command -v ufw >/dev/null 2>&1; then
  td_ufw=$(ufw status verbose 2>&1)
else
  td_ufw="ufw: not installed"
fi
# Further reads for kubelet-reachability (docs/checks.md): does the kubelet run and listen, what
# nftables holds outside iptables' view, iptables in exact form (-S shows -i, !, ctstate), and the
# legacy tables iptables-nft warns about. Each is capped; together at most ${NODE_READS_BUDGET} bytes.
td_extra="### kubelet"
if command -v systemctl >/dev/null 2>&1; then
  td_extra+=$'\n'"active $(systemctl is-active kubelet 2>&1 | head -n 1 | cut -c1-60)"
else
  td_extra+=$'\n'"active systemctl: not installed"
fi
if command -v ss >/dev/null 2>&1; then
  td_ss=$(ss -ltnpH 'sport = :10250' 2>&1 | head -n 3 | cut -c1-160)
  if [ -n "$td_ss" ]; then td_extra+=$'\n'"$(printf '%s\n' "$td_ss" | sed 's/^/listen /')"; else td_extra+=$'\n'"listen none"; fi
else
  td_extra+=$'\n'"listen ss: not installed"
fi
td_extra+=$'\n'"### nft list ruleset"
if command -v nft >/dev/null 2>&1; then
  # iptables-nft's own tables are what the iptables listing shows: name them, do not repeat them.
  td_nft=$(nft list ruleset 2>&1 | LC_ALL=C awk '
/^table (ip|ip6) (filter|nat|mangle|raw|security) [{]/ { print "# iptables-nft table " $2 " " $3; skip = 1; next }
skip { if ($0 ~ /^[}]/) skip = 0; next }
{ print }')
  if [ "$(printf '%s\n' "$td_nft" | wc -c)" -gt ${NFT_BUDGET} ]; then
    td_nft=$(printf '%s\n' "$td_nft" | LC_ALL=C awk '/^table |^[ \t]*chain |hook |^[ \t]*[}]|10250|jump|goto|^#/')
    td_extra+=$'\n'"TD-NOTE nft reduced"
    if [ "$(printf '%s\n' "$td_nft" | wc -c)" -gt ${NFT_BUDGET} ]; then
      td_nft=$(printf '%s\n' "$td_nft" | head -c ${NFT_BUDGET} | sed '$d')
      td_extra+=$'\n'"TD-NOTE nft cut"
    fi
  fi
  if [ -n "$td_nft" ]; then td_extra+=$'\n'"$td_nft"; fi
else
  td_extra+=$'\n'"nft: not installed"
fi
if command -v iptables >/dev/null 2>&1; then
  td_extra+=$'\n'"### iptables -S"
  td_s=$(iptables -S 2>&1 | grep -E -e '^-P INPUT' -e '10250' -e '^# Warning' | head -n 6 | cut -c1-160)
  if [ -n "$td_s" ]; then td_extra+=$'\n'"$td_s"; fi
  if printf '%s\n' "$td_s" | grep -q 'iptables-legacy tables present'; then
    td_extra+=$'\n'"### iptables-legacy -S"
    if command -v iptables-legacy >/dev/null 2>&1; then
      td_l=$(iptables-legacy -S 2>&1 | grep -E -e '^-P INPUT' -e '^-A INPUT' -e '10250' | head -n 6 | cut -c1-160)
      if [ -n "$td_l" ]; then td_extra+=$'\n'"$td_l"; fi
    else
      td_extra+=$'\n'"iptables-legacy: not installed"
    fi
  fi
fi
if [ "$(printf '%s\n' "$td_extra" | wc -c)" -gt ${NODE_READS_BUDGET} ]; then
  td_extra="$(printf '%s\n' "$td_extra" | head -c ${NODE_READS_BUDGET} | sed '$d')"$'\n'"TD-NOTE reads cut"
fi
# ufw's status comes whole: when it leaves no room, the further reads give way.
if [ "$(printf '%s\n%s\n' "$td_ufw" "$td_extra" | wc -c)" -gt ${HOST_FIREWALL_BUDGET} ]; then
  td_extra="TD-NOTE reads cut"
fi
echo "### iptables --list --line-numbers"
if command -v iptables >/dev/null 2>&1; then
  td_ipt=$(iptables --list --line-numbers 2>&1)
  td_used=$(printf '%s\n%s\n' "$td_ufw" "$td_extra" | wc -c)
  td_size=$(printf '%s\n' "$td_ipt" | wc -c)
  if [ $((td_used + td_size)) -le ${HOST_FIREWALL_BUDGET} ]; then
    printf '%s\n' "$td_ipt"
  else
    echo "TD-NOTE iptables listing reduced to INPUT and the chains it reaches; full listing $td_size bytes"
    printf '%s\n' "$td_ipt" | LC_ALL=C awk -v room=$((${HOST_FIREWALL_BUDGET} - td_used)) '
/^Chain / { cur = $2; body[cur] = $0; next }
cur != "" { body[cur] = body[cur] "\n" $0; if ($1 ~ /^[0-9]+$/) refs[cur] = refs[cur] " " $2 }
END {
  qn = 0
  if ("INPUT" in body) { keep["INPUT"] = 1; queue[++qn] = "INPUT" }
  for (qi = 1; qi <= qn; qi++) {
    m = split(refs[queue[qi]], t, " ")
    for (j = 1; j <= m; j++) if ((t[j] in body) && !(t[j] in keep)) { keep[t[j]] = 1; queue[++qn] = t[j] }
  }
  total = 0
  for (i = 1; i <= qn; i++) {
    b = body[queue[i]]; sub(/\n+$/, "", b); block[i] = b
    total += length(b) + 1 + (i > 1 ? 1 : 0)
  }
  kn = qn
  if (total > room) {
    print "TD-NOTE iptables listing cut to fit"
    while (kn > 0 && total > room) {
      total -= length(block[kn]) + 1 + (kn > 1 ? 1 : 0)
      total += length("TD-NOTE dropped-chain " queue[kn]) + 1
      kn--
    }
  }
  for (i = 1; i <= kn; i++) { if (i > 1) print ""; print block[i] }
  for (i = kn + 1; i <= qn; i++) print "TD-NOTE dropped-chain " queue[i]
}'
  fi
else
  echo "iptables: not installed"
fi
printf '%s\n' "$td_extra"
echo "### ufw status verbose"
printf '%s\n' "$td_ufw"
echo "TD-END"
exit 0
`);

/**
 * probe-egress — can this node open HOST:PORT (the tunnel's egress: 443 konnectivity,
 * 9000 tunnel-front, 1194/udp aks-link)? TCP gives open / timeout / refused.
 * UDP cannot be verified with nc: a datagram that is dropped and one that is delivered look the
 * same (no answer), so `nc -u -z` "succeeds" either way; only an ICMP port-unreachable coming
 * back proves something, and that is "refused". Hence `unverifiable-udp` rather than "open".
 */
export const PROBE_EGRESS_SCRIPT = script('probe-egress', String.raw`
# tunnel-doctor-script: probe-egress
# Inputs (run-command parameters): HOST = API server FQDN or IPv4, PORT, PROTO = tcp|udp.
# A UDP probe can only prove "refused" (ICMP port unreachable came back); delivered and
# silently dropped datagrams look the same, so success is reported as unverifiable-udp.
echo "TD-BEGIN probe-egress"
td_port_re='${BASH_PORT}'
td_fqdn_re='${BASH_FQDN}'
td_ipv4_re='${BASH_IPV4}'
td_host_len=$(printf '%s' "$HOST" | wc -c)
if ! [[ "$HOST" =~ $td_fqdn_re ]] || [ "$td_host_len" -gt 253 ] || { [[ "$HOST" =~ ^[0-9.]+$ ]] && ! [[ "$HOST" =~ $td_ipv4_re ]]; }; then
  echo "TD-ERROR invalid parameter HOST"; echo "TD-END"; exit 2
fi
if ! [[ "$PORT" =~ $td_port_re ]] || [ "$PORT" -gt 65535 ]; then
  echo "TD-ERROR invalid parameter PORT"; echo "TD-END"; exit 2
fi
if [ "$PROTO" != "tcp" ] && [ "$PROTO" != "udp" ]; then
  echo "TD-ERROR invalid parameter PROTO"; echo "TD-END"; exit 2
fi
if ! command -v nc >/dev/null 2>&1; then
  echo "TD-ERROR nc is not installed"; echo "TD-END"; exit 3
fi
if [ "$PROTO" = "udp" ]; then
  td_out=$(nc -v -z -u -w 3 "$HOST" "$PORT" 2>&1 </dev/null)
else
  td_out=$(nc -v -z -w 3 "$HOST" "$PORT" 2>&1 </dev/null)
fi
td_rc=$?
if [ -n "$td_out" ]; then printf '%s\n' "$td_out"; fi
case "$td_out" in
  *getaddrinfo*|*"not known"*|*"name resolution"*) td_result="error" ;;
  *"Connection refused"*) td_result="refused" ;;
  *"timed out"*) td_result="timeout" ;;
  *)
    if [ "$PROTO" = "udp" ]; then
      if [ "$td_rc" -eq 0 ]; then td_result="unverifiable-udp"; else td_result="refused"; fi
    elif [ "$td_rc" -eq 0 ]; then td_result="open"
    else td_result="error"
    fi ;;
esac
echo "result $td_result"
echo "TD-END"
exit 0
`);

/** ufw-allow-kubelet — the article's fix for UFW: `ufw allow 10250/tcp` (adds the v6 twin too). */
export const UFW_ALLOW_KUBELET_SCRIPT = script('ufw-allow-kubelet', String.raw`
# tunnel-doctor-script: ufw-allow-kubelet
# No inputs. Allows the kubelet port through UFW, then shows the result.
echo "TD-BEGIN ufw-allow-kubelet"
if ! command -v ufw >/dev/null 2>&1; then
  echo "ufw: not installed"; echo "TD-RESULT exit=127"; echo "TD-END"; exit 127
fi
echo '$ ufw allow 10250/tcp'
ufw allow 10250/tcp 2>&1
td_rc=$?
echo "TD-RESULT exit=$td_rc"
echo "### ufw status verbose"
ufw status verbose 2>&1
echo "TD-END"
exit "$td_rc"
`);

/** ufw-disable — turn UFW off (AKS nodes do not rely on it); the alternative fix for UFW. */
export const UFW_DISABLE_SCRIPT = script('ufw-disable', String.raw`
# tunnel-doctor-script: ufw-disable
# No inputs. Stops UFW and keeps it off after reboot.
echo "TD-BEGIN ufw-disable"
if ! command -v ufw >/dev/null 2>&1; then
  echo "ufw: not installed"; echo "TD-RESULT exit=127"; echo "TD-END"; exit 127
fi
echo '$ ufw disable'
ufw disable 2>&1
td_rc=$?
echo "TD-RESULT exit=$td_rc"
echo "### ufw status verbose"
ufw status verbose 2>&1
echo "TD-END"
exit "$td_rc"
`);

/**
 * iptables-delete-rule — `iptables --delete CHAIN RULE_NUMBER`, then the chain as it is now,
 * so the caller can confirm the right rule went (numbers shift when rules change meanwhile).
 */
export const IPTABLES_DELETE_RULE_SCRIPT = script('iptables-delete-rule', String.raw`
# tunnel-doctor-script: iptables-delete-rule
# Inputs (run-command parameters): CHAIN, RULE_NUMBER.
echo "TD-BEGIN iptables-delete-rule"
td_chain_re='${BASH_CHAIN}'
td_num_re='${BASH_PORT}'
if ! [[ "$CHAIN" =~ $td_chain_re ]]; then
  echo "TD-ERROR invalid parameter CHAIN"; echo "TD-END"; exit 2
fi
if ! [[ "$RULE_NUMBER" =~ $td_num_re ]] || [ "$RULE_NUMBER" -gt 10000 ]; then
  echo "TD-ERROR invalid parameter RULE_NUMBER"; echo "TD-END"; exit 2
fi
printf '$ iptables --delete %s %s\n' "$CHAIN" "$RULE_NUMBER"
iptables --delete "$CHAIN" "$RULE_NUMBER" 2>&1
td_rc=$?
echo "TD-RESULT exit=$td_rc"
printf '### iptables --list %s --line-numbers\n' "$CHAIN"
iptables --list "$CHAIN" --line-numbers 2>&1
echo "TD-END"
exit "$td_rc"
`);

/** iptables-insert-accept — put an ACCEPT for TCP 10250 from SOURCE_CIDR first in CHAIN. */
export const IPTABLES_INSERT_ACCEPT_SCRIPT = script('iptables-insert-accept', String.raw`
# tunnel-doctor-script: iptables-insert-accept
# Inputs (run-command parameters): CHAIN, SOURCE_CIDR.
echo "TD-BEGIN iptables-insert-accept"
td_chain_re='${BASH_CHAIN}'
td_cidr_re='${BASH_CIDR}'
if ! [[ "$CHAIN" =~ $td_chain_re ]]; then
  echo "TD-ERROR invalid parameter CHAIN"; echo "TD-END"; exit 2
fi
if ! [[ "$SOURCE_CIDR" =~ $td_cidr_re ]]; then
  echo "TD-ERROR invalid parameter SOURCE_CIDR"; echo "TD-END"; exit 2
fi
printf '$ iptables --insert %s 1 -p tcp --dport 10250 -s %s -j ACCEPT\n' "$CHAIN" "$SOURCE_CIDR"
iptables --insert "$CHAIN" 1 -p tcp --dport 10250 -s "$SOURCE_CIDR" -j ACCEPT 2>&1
td_rc=$?
echo "TD-RESULT exit=$td_rc"
printf '### iptables --list %s --line-numbers\n' "$CHAIN"
iptables --list "$CHAIN" --line-numbers 2>&1
echo "TD-END"
exit "$td_rc"
`);

/**
 * windows-firewall — on a Windows node that does not answer on 10250 (RunPowerShellScript): each
 * firewall profile's state and default inbound action, the enabled inbound rules whose TCP port
 * filter covers 10250 (an exact port, a range, or any port), and whether the kubelet service runs
 * and something listens on 10250. Cmdlets of the NetSecurity module (learn.microsoft.com,
 * Get-NetFirewallProfile, Get-NetFirewallRule, Get-NetFirewallPortFilter, Get-NetFirewallAddressFilter).
 * One short line per item; at most 40 rules (`TD-ELIDED n`), far below run-command's 4096 bytes.
 */
export const WINDOWS_FIREWALL_SCRIPT: NodeScript = {
  ...script('windows-firewall', String.raw`
# tunnel-doctor-script: windows-firewall
# No inputs. The Windows firewall as it bears on TCP 10250, and the kubelet service.
Write-Output 'TD-BEGIN windows-firewall'
Get-NetFirewallProfile | ForEach-Object { Write-Output ('profile {0} enabled={1} inbound={2}' -f $_.Name, $_.Enabled, $_.DefaultInboundAction) }
$td_lines = @()
Get-NetFirewallRule -Direction Inbound -Enabled True | ForEach-Object {
  $td_rule = $_
  $td_port = $td_rule | Get-NetFirewallPortFilter
  if (@('TCP', 'Any') -notcontains [string]$td_port.Protocol) { return }
  $td_hit = $false
  foreach ($td_p in @($td_port.LocalPort)) {
    if ($td_p -eq 'Any' -or $td_p -eq '10250') { $td_hit = $true }
    elseif ($td_p -match '^(\d+)-(\d+)$' -and [int]$Matches[1] -le 10250 -and [int]$Matches[2] -ge 10250) { $td_hit = $true }
  }
  if (-not $td_hit) { return }
  $td_addr = $td_rule | Get-NetFirewallAddressFilter
  $td_lines += ('rule {0} ports={1} remote={2} profile={3} name={4}' -f $td_rule.Action, (@($td_port.LocalPort) -join ','), (@($td_addr.RemoteAddress) -join ','), $td_rule.Profile, $td_rule.DisplayName)
}
$td_lines | Select-Object -First 40 | ForEach-Object { Write-Output $_ }
if ($td_lines.Count -gt 40) { Write-Output ('TD-ELIDED {0}' -f ($td_lines.Count - 40)) }
$td_svc = Get-Service -Name kubelet -ErrorAction SilentlyContinue
if ($td_svc) { Write-Output ('service kubelet {0}' -f $td_svc.Status) } else { Write-Output 'service kubelet missing' }
$td_listen = Get-NetTCPConnection -LocalPort 10250 -State Listen -ErrorAction SilentlyContinue | Select-Object -First 3
if ($td_listen) { $td_listen | ForEach-Object { Write-Output ('listen {0}' -f (Get-Process -Id $_.OwningProcess -ErrorAction SilentlyContinue).ProcessName) } } else { Write-Output 'listen none' }
Write-Output 'TD-END'
`),
  shell: 'powershell',
};

export const NODE_SCRIPTS: Readonly<Record<NodeScriptId, NodeScript>> = Object.freeze({
  'windows-firewall': WINDOWS_FIREWALL_SCRIPT,
  'probe-kubelet': PROBE_KUBELET_SCRIPT,
  'host-firewall': HOST_FIREWALL_SCRIPT,
  'probe-egress': PROBE_EGRESS_SCRIPT,
  'ufw-allow-kubelet': UFW_ALLOW_KUBELET_SCRIPT,
  'ufw-disable': UFW_DISABLE_SCRIPT,
  'iptables-delete-rule': IPTABLES_DELETE_RULE_SCRIPT,
  'iptables-insert-accept': IPTABLES_INSERT_ACCEPT_SCRIPT,
});

export function isNodeScriptId(id: string): id is NodeScriptId {
  return Object.prototype.hasOwnProperty.call(NODE_SCRIPTS, id);
}

/** The id in a script's `# tunnel-doctor-script: <id>` header, if its first line has one. */
export function scriptHeaderId(lines: readonly string[]): string | undefined {
  const first = lines.join('\n').replace(/\r\n/g, '\n').split('\n')[0] ?? '';
  return first.startsWith(HEADER_PREFIX) ? first.slice(HEADER_PREFIX.length).trim() : undefined;
}

// ---------------------------------------------------------------------------------------------
// Parameter validation. The bot calls validateScriptParameters before every run-command.

export class ScriptParameterError extends Error {
  readonly userMessage: string;
  constructor(readonly scriptId: string, readonly parameter: string | undefined, message: string) {
    super(message);
    this.name = 'ScriptParameterError';
    this.userMessage = message;
  }
}

type ValueCheck = (value: string) => string | undefined; // undefined = valid, else why not

const IPV4 = new RegExp(BASH_IPV4);
const CIDR = new RegExp(BASH_CIDR);
const PORT = new RegExp(BASH_PORT);
const CHAIN = new RegExp(BASH_CHAIN);
const FQDN = new RegExp(BASH_FQDN);

export function isIpv4Address(value: string): boolean {
  return IPV4.test(value);
}

const checkPort: ValueCheck = (v) =>
  PORT.test(v) && Number(v) <= 65535 ? undefined : 'must be a TCP/UDP port, an integer from 1 to 65535';

const checkTargets: ValueCheck = (v) => {
  if (v.replace(/,/g, '') !== '' && !/^[0-9.,]+$/.test(v)) return 'must be IPv4 addresses separated by commas (no spaces)';
  const items = v.split(',').filter((s) => s.length > 0);
  if (items.length < 1 || items.length > MAX_PROBE_TARGETS) return `must hold 1 to ${MAX_PROBE_TARGETS} addresses`;
  const bad = items.find((s) => !IPV4.test(s));
  return bad === undefined ? undefined : `holds "${bad}", which is not a dotted-quad IPv4 address`;
};

const checkHost: ValueCheck = (v) => {
  if (v.length > 253 || !FQDN.test(v)) return 'must be a fully qualified host name (RFC 1123) or an IPv4 address';
  if (/^[0-9.]+$/.test(v) && !IPV4.test(v)) return 'looks like an IPv4 address but is not a valid one';
  return undefined;
};

const checkProto: ValueCheck = (v) => (v === 'tcp' || v === 'udp' ? undefined : 'must be "tcp" or "udp"');

const checkChain: ValueCheck = (v) =>
  CHAIN.test(v) ? undefined : 'must be an iptables chain name such as INPUT or KUBE-FIREWALL (at most 28 characters)';

const checkRuleNumber: ValueCheck = (v) =>
  PORT.test(v) && Number(v) <= 10000 ? undefined : 'must be a rule number, an integer from 1 to 10000';

const checkCidr: ValueCheck = (v) => (CIDR.test(v) ? undefined : 'must be an IPv4 address or CIDR block such as 10.224.0.0/16');

/** Each script's parameters, in the order the script itself checks them. */
const PARAMETER_SPECS: Readonly<Record<NodeScriptId, ReadonlyArray<readonly [string, ValueCheck]>>> = {
  'probe-kubelet': [['PORT', checkPort], ['TARGETS', checkTargets]],
  'host-firewall': [],
  'probe-egress': [['HOST', checkHost], ['PORT', checkPort], ['PROTO', checkProto]],
  'ufw-allow-kubelet': [],
  'ufw-disable': [],
  'iptables-delete-rule': [['CHAIN', checkChain], ['RULE_NUMBER', checkRuleNumber]],
  'iptables-insert-accept': [['CHAIN', checkChain], ['SOURCE_CIDR', checkCidr]],
  'windows-firewall': [],
};

export function scriptParameterNames(id: NodeScriptId): string[] {
  return PARAMETER_SPECS[id].map(([name]) => name);
}

/**
 * Checks the parameters for one node script and returns them in the script's order.
 * Throws ScriptParameterError (with a message fit for the chat) on an unknown script, a missing,
 * duplicated or unexpected parameter, or any value outside the allow-list.
 */
export function validateScriptParameters(
  id: string,
  params: ReadonlyArray<ScriptParameter> | Readonly<Record<string, string>>,
): ScriptParameter[] {
  if (!isNodeScriptId(id)) throw new ScriptParameterError(id, undefined, `Unknown node script "${id}".`);
  const list: ScriptParameter[] = Array.isArray(params)
    ? (params as ReadonlyArray<ScriptParameter>).map((p) => ({ name: p.name, value: p.value }))
    : Object.entries(params as Record<string, string>).map(([name, value]) => ({ name, value }));
  const specs = PARAMETER_SPECS[id];
  const seen = new Map<string, string>();
  for (const p of list) {
    if (typeof p.name !== 'string' || typeof p.value !== 'string') {
      throw new ScriptParameterError(id, String(p.name), `Script ${id}: every parameter needs a string name and value.`);
    }
    if (!specs.some(([name]) => name === p.name)) {
      throw new ScriptParameterError(id, p.name, `Script ${id} takes no parameter named "${p.name}".`);
    }
    if (seen.has(p.name)) throw new ScriptParameterError(id, p.name, `Script ${id}: parameter ${p.name} is given twice.`);
    seen.set(p.name, p.value);
  }
  return specs.map(([name, check]) => {
    const value = seen.get(name);
    if (value === undefined) throw new ScriptParameterError(id, name, `Script ${id} needs parameter ${name}.`);
    const why = check(value);
    if (why) throw new ScriptParameterError(id, name, `Script ${id}: parameter ${name} ${why}.`);
    return { name, value };
  });
}

/**
 * What the script's own checks say about its environment: the name of the first parameter the
 * script would reject with `TD-ERROR invalid parameter <NAME>`, or undefined. The simulator uses
 * it to answer exactly as the bash does. probe-kubelet checks only the count of TARGETS itself;
 * a bad address in it becomes an `error <addr> invalid-target` line instead.
 */
export function scriptRejectsParameter(id: NodeScriptId, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const [name, check] of PARAMETER_SPECS[id]) {
    const value = env[name] ?? '';
    if (id === 'probe-kubelet' && name === 'TARGETS') {
      const n = splitTargets(value).length;
      if (n < 1 || n > MAX_PROBE_TARGETS) return name;
      continue;
    }
    if (check(value) !== undefined) return name;
  }
  return undefined;
}

/** TARGETS split the way the script splits it (commas, spaces and tabs; newlines). */
export function splitTargets(value: string): string[] {
  return value.split(/[, \t\n]+/).filter((s) => s.length > 0);
}

// Builders: the one place the bot assembles parameters, validated on the way out.

export function probeKubeletParameters(targets: readonly string[], port: number = KUBELET_PORT): ScriptParameter[] {
  return validateScriptParameters('probe-kubelet', [
    { name: 'PORT', value: String(port) },
    { name: 'TARGETS', value: targets.join(',') },
  ]);
}

export function probeEgressParameters(host: string, port: number, protocol: 'tcp' | 'udp'): ScriptParameter[] {
  return validateScriptParameters('probe-egress', [
    { name: 'HOST', value: host },
    { name: 'PORT', value: String(port) },
    { name: 'PROTO', value: protocol },
  ]);
}

export function iptablesDeleteRuleParameters(chain: string, ruleNumber: number): ScriptParameter[] {
  return validateScriptParameters('iptables-delete-rule', [
    { name: 'CHAIN', value: chain },
    { name: 'RULE_NUMBER', value: String(ruleNumber) },
  ]);
}

export function iptablesInsertAcceptParameters(chain: string, sourceCidr: string): ScriptParameter[] {
  return validateScriptParameters('iptables-insert-accept', [
    { name: 'CHAIN', value: chain },
    { name: 'SOURCE_CIDR', value: sourceCidr },
  ]);
}
