/**
 * 简体中文 (zh-CN), for on-call engineers: product and platform terms stay as they are (NSG, UFW,
 * iptables, SNAT, konnectivity, kubectl, Pod, APPROVER_IDS…), because that is what they type and
 * search for. The engine's own text (summaries, evidence) stays English and is shown as detail.
 */
import type { ApprovalState } from '../../engine/approvals/request.js';
import type { RefusalCode } from '../../engine/approvals/decide.js';
import type { CommandRefusal, CommandValueKind } from '../parse-command.js';
import { MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, formatInterval } from '../../engine/watch/interval.js';
import type { LeftOutKind, Messages } from './messages.js';

const VALUE_KIND: Readonly<Record<CommandValueKind, string>> = {
  'cluster name': '集群名称',
  'resource group name': '资源组名称',
  'subscription id': '订阅 ID',
  subscription: '订阅名称',
  'resource id': '资源 ID',
  interval: '时间间隔',
};

const NAME_HINT = 'AKS 集群名称只能包含 ASCII 字母、数字、"-" 和 "_"（1–63 个字符），例如 "diagnose cluster aks-prod-eastus"。';

/** What to do about a bad value of each kind (the parser's hints, by kind). */
const VALUE_HINT: Readonly<Record<CommandValueKind, string>> = {
  'cluster name': NAME_HINT,
  'resource id': NAME_HINT,
  'subscription id': '订阅 ID 是一个 GUID。',
  'resource group name': '资源组名称可以包含字母、数字、"_"、"-"、"."、"(" 和 ")"。',
  subscription: '请用订阅 ID（GUID）或显示名称指定订阅。',
  interval: '例如 "watch cluster aks-prod every 15m"。',
};

function commandRefusal(r: CommandRefusal): { reason: string; hint: string } {
  switch (r.code) {
    case 'too-long':
      return { reason: `这条消息有 ${r.length} 个字符；命令应当是简短的一行。`, hint: '发送 "help" 查看所有命令。' };
    case 'audit-one-cluster':
      return { reason: '"audit" 只接受一个集群名称或 ID。', hint: '例如 "audit cluster aks-prod-eastus"；只发送 "audit" 则显示所有集群。' };
    case 'no-cluster':
      return { reason: '要诊断哪个集群？命令需要一个集群名称。', hint: '例如 "diagnose cluster aks-prod-eastus"。' };
    case 'not-cluster-id':
      return {
        reason: '这不是托管集群 (managedClusters) 的资源 ID。',
        hint: '集群 ID 的格式为 /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>。',
      };
    case 'not-printable':
      return { reason: `${VALUE_KIND[r.what]}中含有 ${r.char}，它不是可打印的 ASCII 字符（可能只是看起来像）。`, hint: VALUE_HINT[r.what] };
    case 'not-in-names':
      return { reason: `${VALUE_KIND[r.what]}中含有 ${r.char}，Azure 名称中不会出现这个字符。`, hint: VALUE_HINT[r.what] };
    case 'invalid-value':
      return { reason: `"${r.value}" 不是有效的${VALUE_KIND[r.what]}。`, hint: VALUE_HINT[r.what] };
    case 'named-twice':
      return r.what === 'resource group'
        ? { reason: '资源组指定了两次。', hint: '只需指定一次："in resource group <group>"。' }
        : { reason: '订阅指定了两次。', hint: '只需指定一次："in subscription <id or name>"。' };
    case 'not-one-name':
      return { reason: `"${r.value}" 不是单个集群名称。`, hint: '例如 "diagnose cluster aks-prod in resource group rg-prod"。' };
    case 'unwatch-interval':
      return { reason: '"unwatch" 不需要时间间隔。', hint: '例如 "unwatch cluster aks-prod"。' };
    case 'bad-interval':
      return {
        reason: `"${r.value}" 不是有效的时间间隔：间隔必须在 ${formatInterval(MIN_INTERVAL_MINUTES)} 到 ${formatInterval(MAX_INTERVAL_MINUTES)} 之间，例如 "every 15m"、"every 90m" 或 "every 1h"。`,
        hint: VALUE_HINT.interval,
      };
    case 'watch-no-cluster':
      return {
        reason: `要${r.verb === 'watch' ? '监视' : '停止监视'}哪个集群？"${r.verb}" 需要一个集群名称。`,
        hint: r.verb === 'watch' ? '例如 "watch cluster aks-prod-eastus" 或 "watch cluster aks-prod every 1h"。' : '例如 "unwatch cluster aks-prod-eastus"。',
      };
    case 'watch-one-cluster':
      return { reason: `"${r.verb}" 只接受一个集群名称或 ID。`, hint: `例如 "${r.verb} cluster aks-prod-eastus"。` };
  }
}

function approvalRefusal(code: RefusalCode, english: string): string {
  switch (code) {
    case 'unknown-request':
      return '机器人找不到这个请求（可能属于另一个机器人，或已被删除）。未执行任何操作。请重新运行诊断。';
    case 'already-requested':
      return '这个修复已经申请过了；请使用聊天中已有的审批卡片。';
    case 'wrong-tenant':
      return '你所在的组织（租户）无权操作这个请求或这些集群。未执行任何操作。管理员可以将租户加入 ALLOWED_TENANT_IDS。';
    case 'no-identity':
      return '你的 Teams 客户端没有发送你的 Entra 身份，机器人无法确认你是谁。请使用以工作账户登录的 Teams。';
    case 'not-requester':
      // One code, three situations (decide.ts); the English message tells them apart.
      if (english.startsWith('Only the person')) return '只有申请人可以取消这个修复申请；审批人可以改为拒绝。';
      if (english.startsWith('You are not allowed')) {
        return '你无权申请修复。请让 REQUESTER_IDS 中列出的人申请；机器人管理员可以把你加入 REQUESTER_IDS。';
      }
      return '修复申请必须由点击按钮的本人提交。';
    case 'not-approver':
      return '你不是审批人，因此未执行任何操作。请让 APPROVER_IDS 中列出的审批人批准；机器人管理员可以把你加入 APPROVER_IDS。';
    case 'self-approval':
      return '这个修复是你申请的，必须由其他人审批（已启用 REQUIRE_DISTINCT_APPROVER）。请联系另一位审批人。';
    case 'already-decided':
      return '这个请求已经处理过了，未执行任何操作。如需再次修改集群，请重新诊断，并从新报告中申请修复。';
    case 'expired':
      return '这个请求已过期，未获得足够的审批。未执行任何操作。如果仍然需要，请重新申请修复。';
    case 'plan-changed':
      return '卡片上的修复与存储的方案不再一致，因此未执行任何操作。请重新运行诊断，并从新报告中申请修复。';
    case 'no-approvers-configured':
      return '目前没有人可以审批修复：机器人管理员需要在配置中设置 APPROVER_IDS（审批人的 Entra 对象 ID，以逗号分隔）并重启机器人。';
    case 'not-enough-approvers':
      return '这个修复所需的审批人数（不含你本人）多于 APPROVER_IDS 中列出的审批人。管理员需要添加审批人 (APPROVER_IDS) 或调低 HIGH_RISK_APPROVALS。';
    case 'already-approved-by-you':
      return '你已经批准过这个请求；还需要其他审批人批准。';
    case 'not-approved':
      return '这个请求尚未获得批准，不能执行。';
    case 'not-executing':
      return '这个请求当前不在执行中。';
    case 'not-owner':
      return '这个请求正由另一个机器人实例执行。';
    case 'not-claimed':
      return '已获批准，但机器人在应用之前停止了：集群未被修改，也不会自动再次运行。如果仍然需要，请重新诊断并再次申请修复。';
    case 'busy':
      return '很多人同时修改了这个请求，你的点击未能生效。未执行任何操作；请刷新卡片后重试。';
    case 'not-recorded':
      return '机器人无法写入这一步的审计记录，因此没有执行这一步：请求保持原样。未执行任何操作；请稍后重试。';
    default:
      return english;
  }
}

const LEFT_OUT_UNIT: Readonly<Record<LeftOutKind, string>> = { evidence: '条证据', fix: '个建议修复', note: '条备注' };

const STATE_WORD: Readonly<Record<ApprovalState, string>> = {
  pending: '待审批',
  approved: '已批准',
  executing: '执行中',
  succeeded: '已执行',
  failed: '失败',
  verified: '已验证',
  'still-failing': '仍然失败',
  rejected: '已拒绝',
  cancelled: '已取消',
  expired: '已过期',
  interrupted: '已中断',
};

/** 修复在诊断卡片上的状态（审批状态 → 一行）。 */
const ZH_FIX_STATE: Readonly<Record<ApprovalState, string>> = {
  pending: '⏳ 等待审批',
  approved: '⏳ 已批准：正在应用…',
  executing: '⏳ 正在应用…',
  succeeded: '⏳ 已应用：正在重新检查…',
  failed: '❌ 未能应用',
  verified: '✅ 已应用并验证通过',
  'still-failing': '⚠️ 已应用，但检查仍然失败',
  rejected: '🚫 已拒绝',
  cancelled: 'ℹ️ 申请已取消',
  expired: 'ℹ️ 申请已过期',
  interrupted: '⚠️ 已中断：请检查集群',
};

export const zhCN: Messages = {
  locale: 'zh-CN',

  status: {
    pass: '通过',
    fail: '失败',
    warn: '警告',
    unknown: '未知',
    'not-applicable': '不适用',
  },

  checkTitle: {
    'nsg-10250': '网络安全组 (NSG) 放行 TCP 10250',
    'ufw-10250': '节点上的 UFW',
    'iptables-10250': '节点上的 iptables',
    'egress-tunnel-ports': '隧道出站端口',
    'snat-exhaustion': '出站负载均衡器的 SNAT 端口',
    'tunnel-agent-health': '隧道代理 Pod',
    'kubelet-reachability': 'kubelet 在 TCP 10250 上有响应',
  },

  checkHeadline: {
    'nsg-10250': {
      pass: 'NSG 允许控制平面通过 TCP 10250 访问节点上的 kubelet',
      fail: '有 NSG 规则阻断了到节点 TCP 10250 的流量',
      warn: 'NSG 放行了 TCP 10250，但有需要注意的地方',
      unknown: '无法评估 NSG 规则',
      'not-applicable': 'NSG 检查不适用于此集群',
    },
    'ufw-10250': {
      pass: 'UFW 没有阻断 TCP 10250',
      fail: '节点上的 UFW 阻断了 TCP 10250',
      warn: '节点上启用了 UFW',
      unknown: '无法读取节点上的 UFW',
      'not-applicable': 'UFW 检查不适用于此集群',
    },
    'iptables-10250': {
      pass: 'iptables 没有丢弃 TCP 10250',
      fail: '节点上的 iptables 丢弃了 TCP 10250',
      warn: '节点上的 iptables 需要检查',
      unknown: '无法读取节点上的 iptables',
      'not-applicable': 'iptables 检查不适用于此集群',
    },
    'egress-tunnel-ports': {
      pass: '隧道出站端口畅通',
      fail: '隧道出站端口被阻断',
      warn: '隧道出站端口可能受限',
      unknown: '无法探测隧道出站端口',
      'not-applicable': '出站端口检查不适用于此集群',
    },
    'snat-exhaustion': {
      pass: 'SNAT 端口充足',
      fail: '出站负载均衡器的 SNAT 端口已耗尽',
      warn: 'SNAT 端口使用率偏高',
      unknown: '无法读取 SNAT 端口使用情况',
      'not-applicable': 'SNAT 检查不适用于此集群',
    },
    'tunnel-agent-health': {
      pass: '隧道代理 Pod 运行正常',
      fail: '隧道代理 Pod 缺失、反复崩溃或因 OOM 被终止',
      warn: '隧道代理 Pod 需要关注',
      unknown: '无法检查隧道代理 Pod',
      'not-applicable': '隧道代理检查不适用于此集群',
    },
    'kubelet-reachability': {
      pass: '所有 kubelet 都在 TCP 10250 上有响应，或其他检查已解释原因',
      fail: '有节点在 TCP 10250 上无响应，且其他检查都无法解释',
      warn: 'kubelet 在 TCP 10250 上有响应，但有需要注意的地方',
      unknown: '无法确定 kubelet 是否在 TCP 10250 上有响应',
      'not-applicable': '可达性检查不适用于此集群',
    },
  },

  risk: { low: '低', medium: '中', high: '高' },

  tunnel: {
    konnectivity: 'konnectivity（出站 TCP 443）',
    'tunnel-front': 'tunnel-front（出站 TCP 9000）',
    'aks-link': 'aks-link（出站 UDP 1194）',
    none: '未找到',
    unknown: '未知',
  },

  common: {
    listMore: (head, more) => `${head}，另有 ${more} 个`,
    listSeparator: '、',
    label: (word) => `${word}：`,
    showCommands: '查看命令',
    diagnoseButton: '诊断',
    nothingDone: '未执行任何操作。',
    cut: (n) => `…（省略 ${n} 个字符）`,
  },

  diagnosis: {
    diagnosing: (name, done, total) => `正在诊断 ${name}… 已完成 ${done}/${total} 项检查`,
    causesFound: (n, name) => `在 ${name} 上发现 ${n} 个故障原因`,
    incomplete: (name) => `${name} 的诊断未完成`,
    healthy: (name) => `${name} 的隧道运行正常`,
    took: (ms) =>
      ms < 60_000 ? `耗时 ${Math.max(1, Math.round(ms / 1000))} 秒` : `耗时 ${Math.floor(ms / 60_000)} 分 ${Math.round((ms % 60_000) / 1000)} 秒`,
    subtitle: (checks, parts, took) => `共 ${checks} 项检查：${parts.join(' · ')}${took ? ` — ${took}` : ''}`,
    tally: {
      fail: (n) => `${n} 项失败`,
      warn: (n) => `${n} 项警告`,
      unknown: (n) => `${n} 项未知`,
      pass: (n) => `${n} 项通过`,
      'not-applicable': (n) => `${n} 项不适用`,
    },
    fallback: (headline, failing) => `Tunnel Doctor：${headline}${failing.length > 0 ? `（${failing.join(', ')}）` : ''}`,
    facts: {
      cluster: '集群',
      resourceGroup: '资源组',
      location: '区域',
      tunnel: '隧道',
      apiServer: 'API 服务器',
      private: '私有',
      public: '公共',
      outboundType: '出站类型',
      unknown: '未知',
      kubernetes: 'Kubernetes 版本',
      nodes: '节点数',
      nodePools: '节点池',
      nodeResourceGroup: '节点资源组',
    },
    checksHeading: '检查项',
    why: '原因：',
    toResolve: '解决方法：',
    evidence: (n) => `证据 (${n})`,
    details: '详情',
    empty: '（空）',
    nodesHeading: (n) => `节点 (${n})：`,
    affectedHeading: (n) => `受影响的节点 (${n})`,
    notes: '备注',
    leftOut: (kind, more, anyShown) =>
      `${anyShown ? '另有 ' : ''}${more} ${LEFT_OUT_UNIT[kind]}（完整内容见 JSON 报告：tunnel-doctor diagnose --json）`,
    riskLabel: (risk) => `风险：${risk}`,
    needsApproval: '需要审批',
    noApprovalNeeded: '无需审批',
    fixMeta: (approval) => ` · ${approval} · 目标：`,
    requestFix: '申请此修复',
    diagnoseAgain: '重新诊断',
    manualFix: () => '机器人无法自动执行这项更改，请按说明手动操作。',
    then: '随后：',
  },

  progress: {
    hint: '查找集群并运行检查大约需要一两分钟；每完成一项检查，此卡片都会更新。',
  },

  help: {
    intro: {
      before: '当 AKS 集群上的 kubectl logs 和 kubectl exec 失败并报错 ',
      after: ' 时（控制平面隧道故障），我来找出原因：我会检查 NSG、节点上的 UFW 和 iptables、隧道出站端口、SNAT 端口以及隧道 Pod，并给出修复建议。',
    },
    commandsHeading: '命令',
    example: '例如：',
    commands: {
      'diagnose-cluster': '在我有权读取的所有订阅中查找该集群并诊断',
      'diagnose-short': '同上，简写形式',
      'diagnose-in-rg': '多个集群同名时使用',
      'diagnose-in-subscription': '只在一个订阅中查找',
      'diagnose-id': '精确指定这个集群',
      audit: '谁申请、批准并执行了哪个修复，按时间从新到旧',
      watch: '按计划重新诊断（5 分钟到 24 小时，默认 15 分钟），仅在结论变化时在这里发消息',
      unwatch: '在本聊天中停止监视该集群',
      watches: '本聊天监视的集群及其最近的结论',
      help: '显示此卡片',
    },
    demosHeading: '演示集群',
    tryLabel: '试试：',
    moreDemos: (n) => `另有 ${n} 个演示集群`,
    fallback: (usages) => `Tunnel Doctor 命令：${usages.join('；')}`,
  },

  notFound: {
    headline: (query, rg) => `找不到名为“${query}”的集群${rg ? `（资源组 ${rg}）` : ''}`,
    fallback: (query, rg, suggestions) =>
      `找不到名为"${query}"的集群${rg ? `（资源组 ${rg}）` : ''}。${suggestions.length > 0 ? `你要找的是不是：${suggestions.join('、')}？` : ''}`,
    searched: (n) => (n === 1 ? '已搜索的订阅：' : `已搜索 ${n} 个订阅：`),
    searchedNone: '无：我无法读取任何订阅（请检查我的 Reader 角色）。',
    resourceGroup: '资源组：',
    didYouMean: '你要找的是不是：',
    noSuggestions: '这些订阅中没有名称相近的集群。请检查拼写、指定订阅（"in subscription …"），或确认我对该订阅有 Reader 权限。',
  },

  chooseCluster: {
    headline: (n, query) => `有 ${n} 个名为“${query}”的集群`,
    diagnoseIn: (place) => `诊断 ${place} 中的集群`,
    pick: '请选择要诊断的集群：',
    where: (rg, sub, location) => [`资源组 ${rg}`, `订阅 ${sub}`, ...(location ? [location] : [])].join(' · '),
    more: (n) => `另有 ${n} 个：加上 “in resource group <rg>” 或 “in subscription <name>” 缩小范围。`,
    fallback: (n, query, candidates) => `有 ${n} 个名为"${query}"的集群：${candidates.map((c) => `${c.name}（资源组 ${c.resourceGroup}）`).join('；')}`,
  },

  refusal: {
    title: '我无法处理这条消息',
    fallback: (reason) => `我无法处理这条消息。${reason}`,
    command: (refusal, english) => (refusal ? commandRefusal(refusal) : english),
    unknownButton: (verb) => `这个按钮（"${verb}"）不是本机器人能响应的。`,
    unknownButtonHint: '未执行任何操作。发送 "help" 查看我能做什么。',
  },

  error: {
    somethingWrong: '出了点问题。',
    reference: '支持参考编号：',
    unexpected: '发生意外错误，此步骤已停止。日志中以下方的关联 ID 记录了详细信息。',
    lookupFailed: (name) => `无法查找 ${name}`,
    noSubscription: (name) => `没有名为"${name}"的订阅`,
    knownSubscriptions: (known) => `我能看到这些订阅：${known.join('、') || '无'}。请用 ID 或显示名称指定其中一个。`,
    diagnosisFailed: (name) => `${name} 的诊断失败`,
    noAuditLog: '没有审计日志',
    noAuditLogDetail: '此机器人没有配置状态存储，因此没有可显示的内容。',
    auditReadFailed: '无法读取审计日志',
    actionFailed: '操作未成功',
  },

  app: {
    greeting: '你好！告诉我哪个集群的 `kubectl logs` 或 `kubectl exec` 失败，例如 **diagnose cluster aks-prod**。发送 **help** 查看全部命令。',
    unrecognised: (text) => `我没有理解"${text}"。以下是我能做的：`,
    busy: (seconds) => `我正忙于其他诊断，因此没有开始这一次（以及此后发送的其他诊断）。未检查任何内容。请在大约 ${seconds} 秒后重试；help 和 audit 仍会立即回答。`,
    droppedTitle: (cluster) => `${cluster} 未被诊断`,
    dropped: '机器人在这次诊断开始之前重新启动了，因此未检查任何内容。请再次发送命令。',
  },

  audit: {
    heading: (cluster) => (cluster ? `审计日志：${cluster}` : '审计日志'),
    fallback: (heading, n) => `${heading}：${n} 条记录`,
    empty: '还没有任何修复被申请、批准或执行。',
    older: '更早的记录：tunnel-doctor audit --limit 1000',
    details: '记录',
    step: (action, who, at) => `${who} 于 ${at} ${action}`,
    action: {
      requested: '已申请',
      approved: '已批准',
      rejected: '已拒绝',
      cancelled: '已取消',
      expired: '已过期',
      executed: '已执行',
      verified: '已验证',
      failed: '失败',
      refused: '操作被拒',
    },
    result: { succeeded: '成功', failed: '失败', partial: '部分完成' },
    verb: { request: '申请', approve: '批准', reject: '拒绝', cancel: '取消', refresh: '刷新' },
    reason: {
      'unknown-request': '未知请求',
      'already-requested': '已申请过',
      'wrong-tenant': '其他组织',
      'no-identity': '未发送 Entra 身份',
      'not-requester': '不是申请人',
      'not-approver': '不是审批人',
      'self-approval': '审批自己的申请',
      'already-decided': '已处理过',
      expired: '已过期',
      'plan-changed': '方案已变更',
      'no-approvers-configured': '未配置审批人',
      'not-enough-approvers': '配置的审批人不足',
      'already-approved-by-you': '本人已批准过',
      'not-approved': '未获批准',
      'not-executing': '不在执行中',
      'not-owner': '由另一实例执行',
      'not-claimed': '批准后未被执行',
      busy: '同时点击过多',
      'not-recorded': '审计日志不可用',
    },
    refusedStep: (verb, who, at, why) => `${who} 于 ${at} 尝试${verb}，被拒绝（${why}）`,
    unverified: (name) => `${name}（无 Entra 身份）`,
  },

  approval: {
    headline: {
      pending: '修复等待审批',
      approved: '修复已批准：正在应用…',
      executing: '正在应用修复…',
      succeeded: '修复已应用：正在重新检查…',
      failed: '修复未能应用',
      verified: '修复已应用并验证通过',
      'still-failing': '修复已应用，但检查仍然失败',
      rejected: '修复被拒绝',
      cancelled: '修复申请已取消',
      expired: '修复申请已过期',
      interrupted: '修复被中断：请检查集群',
    },
    state: (state) => `状态：${STATE_WORD[state]}`,
    stateWord: STATE_WORD,
    fallback: (headline, fixTitle, cluster) => `Tunnel Doctor：${headline}：${fixTitle}（${cluster}）`,
    notDone: '🚫 未执行',
    exactChange: '具体更改',
    onTarget: ' · 目标：',
    result: '结果',
    facts: {
      cluster: '集群',
      requestedBy: '申请人',
      approvals: '审批',
      approvalsValue: (n, required, names) => `已获 ${n} 个，共需 ${required} 个${names.length > 0 ? `：${names.join('、')}` : ''}`,
      rejectedBy: '拒绝人',
      cancelledBy: '取消人',
      expires: '过期时间',
      expiryWas: '原过期时间',
    },
    then: '随后：',
    outcome: { change: '更改', then: '随后', checkBefore: '修复前检查', checkAfter: '修复后检查', note: '检查备注', recheck: '重新检查' },
    buttons: { approve: '批准', reject: '拒绝', cancel: '取消申请', refresh: '刷新' },
    refusal: approvalRefusal,
    notApprover: '你不是审批人，因此未执行任何操作。',
  },

  incident: {
    diagnosisHeadline: (cluster, causes) => `在 ${cluster} 上发现 ${causes} 个故障原因`,
    diagnosisSubtitle: (nodes) => (nodes > 0 ? `受影响的节点：${nodes} 个` : '没有具体到某个节点；请看下面的检查项。'),
    action: {
      requested: (cluster) => `已为 ${cluster} 申请修复：等待审批`,
      approved: (cluster) => `${cluster} 的修复已获批准`,
      rejected: (cluster) => `${cluster} 的修复被拒绝`,
      cancelled: (cluster) => `${cluster} 的修复申请已取消`,
      expired: (cluster) => `${cluster} 的修复申请已过期`,
      executed: (cluster) => `修复已应用到 ${cluster}`,
      failed: (cluster) => `${cluster} 上的修复失败`,
      failedPartial: (cluster) => `${cluster} 上的修复被中断：集群可能已被修改，也可能没有`,
      verified: (cluster) => `${cluster} 上的修复已验证：隧道检查通过`,
      refused: (cluster) => `对 ${cluster} 修复的一次操作被拒绝`,
      stillFailing: (cluster) => `修复已应用到 ${cluster}，但重新检查仍然失败`,
    },
    fact: {
      cluster: '集群',
      resourceGroup: '资源组',
      subscription: '订阅',
      tunnel: '隧道',
      nodes: '节点',
      by: '操作人',
      at: '时间',
      request: '申请',
      result: '结果',
    },
    result: { succeeded: '成功', failed: '失败', partial: '部分完成' },
    moreChecks: (n) => `…另有 ${n} 项失败的检查。`,
    affectedNodes: '节点',
    whatHappened: '发生了什么',
    footer: (cluster) => `完整报告：对我说 "diagnose cluster ${cluster}"。历史记录："audit cluster ${cluster}"。`,
    someone: '某人',
    system: 'Tunnel Doctor（机器人）',
  },

  watch: {
    changedHeading: (cluster, n) => `🔔 ${cluster}：${n === 1 ? '一项结论发生了变化' : `${n} 项结论发生了变化`}`,
    changedSubtitle: (checkedAt, interval) => `检查时间 ${checkedAt} · 每 ${interval} 监视一次`,
    changedFooter: '只有结论变化时我才会在这里发消息。“立即诊断”会显示包含修复建议的完整报告。',
    changedFallback: (cluster, changes) => `${cluster}：${changes}`,
    diagnoseNow: '立即诊断',
    stopWatching: '停止监视',
    startedHeading: (cluster, interval) => `👁️ 正在监视 ${cluster}，每 ${interval} 一次`,
    updatedHeading: (cluster, interval, previous) =>
      previous === interval ? `👁️ 已经在监视 ${cluster}，每 ${interval} 一次` : `👁️ 正在监视 ${cluster}，每 ${interval} 一次（之前为每 ${previous} 一次）`,
    startedMessage: '结论变化时我会在这里发消息。当前状态：',
    checkingNote: '正在检查当前状态；第一次诊断完成后此卡片会更新。',
    noBaselineMessage: '结论变化时我会在这里发消息。',
    baselineFailedNote: (why) => `现在无法检查当前状态（${why}）。第一次计划检查将作为基线。`,
    lastStateNote: (at) => `截至 ${at} 的状态。`,
    stoppedHeading: (cluster) => `已停止监视 ${cluster}`,
    stoppedMessage: '不会再在本聊天中发送关于它的消息。',
    notWatchingReason: (cluster) => `本聊天没有在监视名为"${cluster}"的集群。`,
    notWatchingHint: '发送 "watches" 查看本聊天监视的集群。',
    severalMatchReason: (cluster, n) => `本聊天监视着 ${n} 个名为"${cluster}"的集群。`,
    severalMatchHint: '请用资源 ID 或 "in resource group <rg>" 指定要停止的那一个。',
    limitConversationReason: (limit) => `本聊天已经监视了 ${limit} 个集群，这是单个聊天的上限。`,
    limitTotalReason: (limit) => `此机器人已经在运行 ${limit} 个监视任务，这是同时运行的上限。`,
    limitHint: '请先停止一个监视（"unwatch cluster <name>"）；"watches" 会列出它们。',
    noConversationReason: '我之后无法在这个会话中发消息，因此无法从这里监视集群。',
    noConversationHint: '请在 Teams（聊天或频道）中问我，或使用 "diagnose" 做一次性检查。',
    unavailableReason: '监视功能不可用：此机器人没有状态存储，或无法在之后发消息。',
    pausedGoneHeading: (cluster) => `⏸️ 监视已暂停：${cluster} 已不存在`,
    pausedGoneMessage: '在我能读取的订阅中已找不到该集群，因此我停止了检查。',
    pausedFailingHeading: (cluster) => `⏸️ 监视已暂停：无法诊断 ${cluster}`,
    pausedFailingMessage: (n, why) => `最近 ${n} 次诊断都失败了（${why}），因此我停止了检查。`,
    resumeNote: (cluster) => `重试：watch cluster ${cluster}。移除：unwatch cluster ${cluster}。`,
    listHeading: (n) => (n === 0 ? '本聊天的监视' : `本聊天的监视 (${n})`),
    listEmpty: '本聊天没有监视任何集群。可以从 "watch cluster <name> every 15m" 开始。',
    listSchedule: (interval, next) => `每 ${interval} 一次 · 下次检查 ${next}`,
    listPaused: (reason) => `⏸️ 已暂停：${reason}`,
    listNoBaseline: '⏳ 还没有结论：第一次检查尚未完成',
    listVerdicts: (parts) => parts.join('，'),
    listVerdictPart: (icon, n, label) => `${icon} ${n} 项${label}`,
    listHint: '停止：unwatch cluster <name>。修改间隔：watch cluster <name> every 1h。',
    listMore: (n) => `…另有 ${n} 个监视`,
    pausedGoneReason: '集群已不存在',
    pausedFailingReason: '诊断持续失败',
    lookupFailedTitle: (cluster) => `无法查找 ${cluster}`,
    unknownSubscriptionTitle: (subscription) => `没有名为"${subscription}"的订阅`,
    unknownSubscriptionMessage: (known) => `我能看到这些订阅：${known || '无'}。请用 ID 或显示名称指定其中一个。`,
    commandFailedTitle: '监视命令执行失败',
  },

  incidentLayout: {
    consequence: '后果：',
    coveredByPlan: '（下面的修复会一并处理：其计划会重启代理）',
    nodes: '节点：',
    factsStrip: { kubernetes: (v) => `Kubernetes 版本 ${v}`, nodes: (n) => `${n} 个节点` },
    asOf: (at) => `截至 ${at}`,
    passedToggle: (n) => `✅ ${n} 项通过`,
    othersToggle: (n) => `❔ 另有 ${n} 项待查看`,
    detailsToggle: '集群详情',
    changeToggle: '更改与命令',
    evidenceToggle: '证据',
    azCommand: '等效的 Azure CLI 命令：',
    openCluster: 'Azure 门户',
    openResource: (type) => `在门户中打开 ${type}`,
    requestedBy: (who, at) => `${who} 于 ${at} 申请`,
    approvedBy: (who, at) => `${who.join('、')} 于 ${at} 批准`,
    expiresIn: (min) => `${min} 分钟后过期`,
    stateLine: (state) => ZH_FIX_STATE[state],
    notNeeded: { line: '➖ 无需执行：目标已不存在', headline: '无需修复：目标已不存在', state: '状态：无需执行（未做任何更改）' },
    askApprovers: (names) => (names.length > 0 ? `请让 ${names.join(' 或 ')} 批准。` : '请让机器人管理员配置的审批人（APPROVER_IDS）之一批准。'),
    whoMayApprove: (names, required) =>
      names.length > 0 ? `可审批人：${names.join('、')}${required > 1 ? `（需 ${required} 人）` : ''}，申请人本人除外` : `需要 APPROVER_IDS 中的 ${required} 位审批人批准，申请人本人除外`,
  },

  fixText: {
    title: (kind, d) => {
      const nsg = d.nsg ?? 'NSG';
      const rule = d.rule ? ` ${d.rule}` : '';
      const at = d.priority !== undefined ? `（优先级 ${d.priority}）` : '';
      switch (kind) {
        case 'nsg-allow-10250':
          return `在 NSG ${nsg} 中添加入站规则${rule}${at}，放行来自节点子网的 TCP 10250`;
        case 'nsg-allow-egress':
          return `在 NSG ${nsg} 中添加出站规则${rule}${at}，放行隧道到 API 服务器的出站流量`;
        case 'nsg-edit-deny':
          return `修改 NSG ${nsg} 中的拒绝规则${rule}${at}，使其不再阻断隧道端口`;
        case 'nsg-delete-deny':
          return `从 NSG ${nsg} 删除拒绝规则${rule}${at}`;
        case 'ufw-allow-10250':
          return '在节点上用 UFW 放行来自节点子网的 TCP 10250';
        case 'ufw-disable':
          return '在节点上停用 UFW';
        case 'iptables-delete-rule':
          return '删除节点上阻断 TCP 10250 的 iptables 规则';
        case 'iptables-insert-accept':
          return '在节点上插入放行 TCP 10250 的 iptables 规则';
        case 'recreate-tunnel-pods':
          return `删除 Pod ${d.pod ?? ''}，由其 ReplicaSet 重新创建`;
        case 'lb-allocated-outbound-ports':
          return '提高负载均衡器为每个节点分配的出站（SNAT）端口数';
        case 'lb-outbound-ips':
          return '为负载均衡器添加出站公共 IP';
        default:
          return `需要手动处理的修复（${kind}）`;
      }
    },
    warnings: (kind) => {
      if (kind.startsWith('nsg-')) {
        const base = ['AKS 管理的 NSG 可能在集群更新时被还原；请把此规则同步到你的基础设施代码（IaC）。'];
        return kind === 'nsg-allow-10250' || kind === 'nsg-allow-egress' ? base : [...base, '这会更改一条别人有意添加的规则；请先确认其用途。'];
      }
      if (kind.startsWith('ufw-') || kind.startsWith('iptables-')) return ['节点主机上的更改在节点重建或重新映像后会丢失，且不受 AKS 管理。'];
      if (kind === 'recreate-tunnel-pods') return ['新 Pod 可能被调度到其他节点；启动期间由其余代理承担隧道。'];
      if (kind.startsWith('lb-')) return ['更改负载均衡器的出站设置会改变每个节点的端口数或集群的出站地址。'];
      return ['请按英文原文（见更改）手动操作，并先在非生产环境验证。'];
    },
    step: (kind) =>
      kind === 'recreate-tunnel-pods'
        ? '重启 kube-system 中的隧道代理 Pod（通过 AKS command invoke 执行 kubectl delete pod，由 ReplicaSet 重新创建），使其在出站恢复后立即退出崩溃退避'
        : '运行修复计划的后续步骤（详见英文原文的更改）',
    stepResult: { succeeded: '完成', failed: '失败', skipped: '已跳过', 'not-needed': '无需执行' },
  },

  fixFlow: {
    badRequestButton: '这个按钮没有指向已存储的报告和修复。请重新运行诊断，并使用新卡片上的按钮。',
    reportNotStored: '机器人没有存储这份报告（可能来自另一个机器人，或卡片被改动过）。请重新运行诊断。',
    noSuchFix: (fixId) => `这份报告中没有修复"${fixId}"。未提交任何申请；请使用卡片上的按钮。`,
    manualNotRequested: (reason) => `${reason}未提交任何申请。`,
    alreadyRequested: '这份报告中的这个修复已经申请过；它的审批卡片就在聊天中。未提交新的申请。',
    requested: (title) => `已申请修复："${title}"。审批人可以在下方的卡片上批准。`,
    badDecisionButton: '这个按钮没有指向机器人创建的修复申请。请使用审批卡片上的按钮。',
    expiredOnRefresh: (expiresAt, n, required) =>
      `这个请求已于 ${expiresAt} 过期，当时获得 ${n}/${required} 个审批；集群未被修改。如果仍然需要，请重新诊断并再次申请修复。`,
  },
};
