// Tunnel Doctor local chat: a Bot Framework channel in miniature. What you do here goes to the
// server's /local-chat/api routes, which turn it into real activities for the bot; the bot's
// replies stream back as Server-Sent Events. Cards are rendered by the official adaptivecards
// renderer; every other text goes in through textContent, never as HTML.
(function () {
  'use strict';

  var API = '/local-chat/api';
  var CONVERSATION_KEY = 'td-local-chat-conversation';
  var IDENTITY_KEY = 'td-local-chat-identity';
  var LOCALE_KEY = 'td-local-chat-locale';
  var HINTS = ['help', 'diagnose cluster aks-nsg-deny', 'diagnose cluster aks-demo-healthy', 'diagnose cluster aks-ufw-one', 'audit'];

  // The page's own words per language (the bot's cards bring their own); commands stay as typed.
  var PAGE_TEXT = {
    'en-US': {
      sub: 'local chat', youAre: 'You are', language: 'Language', newChat: 'New chat', send: 'Send',
      bannerTitle: 'Local demo — authentication is off.',
      bannerApprovers: 'Switch who you are above: the requester and outsiders cannot approve, the approvers can.',
      bannerNoDemo: 'Demo approvers are off (TD_DEMO_IDENTITIES=false): approvals follow APPROVER_IDS.',
      placeholder: function (name) { return 'Message as ' + name + ', e.g. diagnose cluster aks-nsg-deny'; },
      clickFailed: 'The click failed: ', reconnecting: 'Reconnecting…', connectionLost: 'Connection lost; retrying…', unreachable: 'Could not reach the bot: ',
      conversation: 'Conversation', message: 'Message', tryCommand: 'Try a command',
      roles: {},
    },
    'zh-CN': {
      sub: '本地聊天', youAre: '当前身份', language: '语言', newChat: '新对话', send: '发送',
      bannerTitle: '本地演示：身份验证已关闭。',
      bannerApprovers: '在上方切换身份：申请人和外部人员不能审批，审批人可以。',
      bannerNoDemo: '演示审批人已关闭（TD_DEMO_IDENTITIES=false）：审批遵循 APPROVER_IDS。',
      placeholder: function (name) { return '以 ' + name + ' 的身份发送消息，例如 diagnose cluster aks-nsg-deny'; },
      clickFailed: '点击失败：', reconnecting: '正在重新连接…', connectionLost: '连接已断开，正在重试…', unreachable: '无法连接机器人：',
      conversation: '对话', message: '消息', tryCommand: '试试这些命令',
      roles: { requester: '申请修复', approver: '审批修复', 'second-approver': '高风险修复的第二位审批人', outsider: '只能查看状态' },
    },
  };

  var el = {
    messages: document.getElementById('messages'),
    identity: document.getElementById('identity'),
    role: document.getElementById('identity-role'),
    locale: document.getElementById('locale'),
    composer: document.getElementById('composer'),
    text: document.getElementById('text'),
    hints: document.getElementById('hints'),
    status: document.getElementById('status'),
    bannerDetail: document.getElementById('banner-detail'),
    newChat: document.getElementById('new-chat'),
  };

  var state = {
    identities: [],
    identity: null,
    conversationId: null,
    events: null,
    /** id → the item as the server has it (base content, version). */
    items: new Map(),
    /** `${identityKey}|${itemId}` → { version, card }: the card a click or a refresh returned to this user. */
    views: new Map(),
    /** `${identityKey}|${itemId}|${version}`: automatic refreshes already asked for. */
    refreshed: new Set(),
    /** `${identityKey}|${itemId}` → { text, error } shown under a card after a click. */
    notes: new Map(),
  };

  // ---------- small helpers ----------

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function setStatus(text, isError) {
    el.status.textContent = text || '';
    el.status.classList.toggle('error', !!isError);
  }

  function api(method, path, body) {
    return fetch(API + path, {
      method: method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) throw new Error(json.error || 'HTTP ' + res.status);
        return json;
      });
    });
  }

  function locale() { return el.locale.value || 'en-US'; }

  function words() { return PAGE_TEXT[locale()] || PAGE_TEXT['en-US']; }

  /** Puts the page's chrome in the chosen language, and tells the browser (and screen readers) which it is. */
  function applyPageLanguage() {
    var w = words();
    document.documentElement.lang = locale() === 'zh-CN' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-i18n]').forEach(function (n) {
      var text = w[n.getAttribute('data-i18n')];
      if (typeof text === 'string') n.textContent = text;
    });
    el.messages.setAttribute('aria-label', w.conversation);
    el.text.setAttribute('aria-label', w.message);
    el.hints.setAttribute('aria-label', w.tryCommand);
    if (state.identity) showIdentity(state.identity);
    if (state.demoIdentities !== undefined) el.bannerDetail.textContent = state.demoIdentities ? w.bannerApprovers : w.bannerNoDemo;
  }

  function showIdentity(found) {
    var w = words();
    el.role.textContent = w.roles[found.key] || found.role;
    el.text.placeholder = w.placeholder(found.name);
  }

  // ---------- Adaptive Cards ----------

  function palette(dark) {
    var fg = dark
      ? { default: '#e6e8ee', subtle: '#9aa3b2', accent: '#6cb6ff', good: '#57d18a', warning: '#f2c94c', attention: '#ff7b72' }
      : { default: '#1d2330', subtle: '#5d6678', accent: '#2864c7', good: '#1a7f4b', warning: '#8a6100', attention: '#b42318' };
    var colors = {
      default: { default: fg.default, subtle: fg.subtle },
      dark: { default: fg.default, subtle: fg.subtle },
      light: { default: fg.default, subtle: fg.subtle },
      accent: { default: fg.accent, subtle: fg.accent },
      good: { default: fg.good, subtle: fg.good },
      warning: { default: fg.warning, subtle: fg.warning },
      attention: { default: fg.attention, subtle: fg.attention },
    };
    var bg = dark
      ? { default: '#1f232b', emphasis: '#272c36', accent: '#1c3450', good: '#153526', warning: '#3d3416', attention: '#451e1e' }
      : { default: '#ffffff', emphasis: '#f1f3f6', accent: '#e3edfb', good: '#e3f5ea', warning: '#fff3cd', attention: '#fde7e5' };
    var styles = {};
    Object.keys(bg).forEach(function (k) { styles[k] = { backgroundColor: bg[k], foregroundColors: colors }; });
    return styles;
  }

  function hostConfig() {
    var dark = !window.matchMedia || !window.matchMedia('(prefers-color-scheme: light)').matches;
    return new AdaptiveCards.HostConfig({
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      supportsInteractivity: true,
      spacing: { small: 4, default: 8, medium: 16, large: 24, extraLarge: 32, padding: 14 },
      separator: { lineThickness: 1, lineColor: dark ? '#313743' : '#d6d9e0' },
      fontSizes: { small: 12, default: 14, medium: 16, large: 19, extraLarge: 23 },
      fontWeights: { lighter: 300, default: 400, bolder: 600 },
      containerStyles: palette(dark),
      actions: { maxActions: 6, spacing: 'default', buttonSpacing: 8, actionsOrientation: 'horizontal', actionAlignment: 'left', showCard: { actionMode: 'inline', inlineTopMargin: 12 } },
      factSet: { title: { weight: 'bolder', wrap: true, maxWidth: 170 }, value: { wrap: true }, spacing: 8 },
    });
  }

  // A small, escape-first markdown for TextBlocks (bold, italic, code, bullets, line breaks): the
  // text is HTML-escaped before any tag is added, so card text can never become markup. Links are
  // left as text (the bot's cards break them on purpose).
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function markdown(text) {
    return text.split(/\r?\n/).map(function (line) {
      var html = escapeHtml(line)
        .replace(/`([^`]+)`/g, '<code>$1</code>')
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[\s(])_([^_]+)_(?=$|[\s.,;:!?)])/g, '$1<em>$2</em>')
        .replace(/(^|[\s(])\*([^*\s][^*]*)\*(?=$|[\s.,;:!?)])/g, '$1<em>$2</em>');
      return /^\s*[-*] /.test(line) ? html.replace(/^\s*[-*] /, '• ') : html;
    }).join('<br>');
  }

  function renderCard(json, onAction) {
    var card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = hostConfig();
    card.onExecuteAction = onAction;
    try {
      card.parse(json);
      var rendered = card.render();
      if (rendered) return rendered;
    } catch (err) {
      console.error('card render failed', err);
    }
    return node('p', 'text', '(This card could not be rendered.)');
  }

  // ---------- the conversation ----------

  function viewKey(itemId) { return state.identity.key + '|' + itemId; }

  /** The card this user sees: their own view (a click's or a refresh's answer) while it is current. */
  function cardFor(item) {
    var view = state.views.get(viewKey(item.id));
    if (view && view.version === item.version) return { card: view.card, own: true };
    return { card: item.cards[0], own: false };
  }

  function onCardAction(item, action) {
    var type = action.getJsonTypeName();
    if (type === 'Action.Execute') {
      invoke(item, action.verb, action.data, 'manual');
    } else if (type === 'Action.Submit') {
      send({ value: action.data && typeof action.data === 'object' ? action.data : {} });
    } else if (type === 'Action.OpenUrl') {
      if (/^https?:\/\//i.test(action.url || '')) window.open(action.url, '_blank', 'noopener,noreferrer');
    }
  }

  function renderItem(item) {
    var wrapper = el.messages.querySelector('[data-id="' + item.id + '"]');
    var isNew = !wrapper;
    if (!wrapper) {
      wrapper = node('div', 'msg ' + item.from.role);
      wrapper.dataset.id = item.id;
    }
    wrapper.dataset.version = String(item.version);
    wrapper.replaceChildren();
    var meta = node('div', 'meta');
    meta.appendChild(node('span', 'name', item.from.name));
    meta.appendChild(node('span', 'time', new Date(item.timestamp).toLocaleTimeString()));
    wrapper.appendChild(meta);
    if (item.text) wrapper.appendChild(node('p', 'text', item.text));
    if (item.cards.length > 0) {
      var shown = cardFor(item);
      var host = node('div', 'card-host' + (shown.own ? ' view' : ''));
      host.appendChild(renderCard(shown.card, function (action) { onCardAction(item, action); }));
      wrapper.appendChild(host);
      // Extra cards in one activity (the bot sends one; another bot might send more).
      item.cards.slice(1).forEach(function (c) {
        var extra = node('div', 'card-host');
        extra.appendChild(renderCard(c, function (action) { onCardAction(item, action); }));
        wrapper.appendChild(extra);
      });
      var note = state.notes.get(viewKey(item.id));
      if (note && note.version === item.version) wrapper.appendChild(node('p', 'card-note' + (note.error ? ' error' : ''), note.text));
    }
    if (isNew) {
      // A chat: every new message comes into view from its top (a tall card is read from its
      // headline); updates in place leave the scroll alone.
      el.messages.appendChild(wrapper);
      wrapper.scrollIntoView({ block: 'start' });
    }
    autoRefresh(item);
  }

  /**
   * Teams' user-specific views: a card with `refresh.userIds` listing you is fetched again for you
   * with an automatic Action.Execute (trigger 'automatic'), once per version of the card.
   */
  function autoRefresh(item) {
    var card = item.cards[0];
    var refresh = card && card.refresh;
    if (!refresh || !refresh.action || refresh.action.type !== 'Action.Execute') return;
    if (!Array.isArray(refresh.userIds) || refresh.userIds.indexOf(state.identity.id) < 0) return;
    var key = viewKey(item.id) + '|' + item.version;
    if (state.refreshed.has(key)) return;
    state.refreshed.add(key);
    invoke(item, refresh.action.verb, refresh.action.data, 'automatic');
  }

  function invoke(item, verb, data, trigger) {
    var identity = state.identity;
    var version = item.version;
    var host = el.messages.querySelector('[data-id="' + item.id + '"] .card-host');
    if (host && trigger === 'manual') host.classList.add('busy');
    api('POST', '/conversations/' + encodeURIComponent(state.conversationId) + '/invoke', {
      identity: identity.key,
      replyToId: item.id,
      verb: verb,
      data: data,
      trigger: trigger,
      locale: locale(),
    }).then(function (answer) {
      var key = identity.key + '|' + item.id;
      if (answer.card) state.views.set(key, { version: version, card: answer.card });
      if (answer.error) state.notes.set(key, { version: version, text: answer.error, error: true });
      else if (answer.message) state.notes.set(key, { version: version, text: answer.message });
      else state.notes.delete(key);
    }, function (err) {
      state.notes.set(identity.key + '|' + item.id, { version: version, text: words().clickFailed + err.message, error: true });
    }).then(function () {
      var current = state.items.get(item.id);
      if (current) renderItem(current);
    });
  }

  function send(body) {
    body.identity = state.identity.key;
    body.locale = locale();
    setStatus('');
    return api('POST', '/conversations/' + encodeURIComponent(state.conversationId) + '/messages', body).catch(function (err) {
      setStatus(err.message, true);
      throw err;
    });
  }

  function upsert(item) {
    state.items.set(item.id, item);
    renderItem(item);
  }

  function connect(conversationId) {
    if (state.events) state.events.close();
    state.conversationId = conversationId;
    sessionStorage.setItem(CONVERSATION_KEY, conversationId);
    var events = new EventSource(API + '/conversations/' + encodeURIComponent(conversationId) + '/events');
    state.events = events;
    events.addEventListener('activity', function (e) { upsert(JSON.parse(e.data)); });
    events.addEventListener('open', function () { setStatus(''); });
    events.addEventListener('error', function () {
      if (events.readyState === EventSource.CLOSED) {
        // The bot restarted and forgot the conversation: start a new one.
        setStatus(words().reconnecting);
        setTimeout(function () { openConversation(true); }, 1000);
      } else {
        setStatus(words().connectionLost);
      }
    });
  }

  function clearConversation() {
    state.items.clear();
    state.views.clear();
    state.refreshed.clear();
    state.notes.clear();
    el.messages.replaceChildren();
  }

  function openConversation(fresh) {
    var kept = fresh ? null : sessionStorage.getItem(CONVERSATION_KEY);
    var known = kept
      ? api('GET', '/conversations/' + encodeURIComponent(kept)).then(function () { return kept; }, function () { return null; })
      : Promise.resolve(null);
    return known.then(function (id) {
      if (id) return id;
      return api('POST', '/conversations', { locale: locale() }).then(function (r) { return r.conversationId; });
    }).then(function (id) {
      clearConversation();
      connect(id);
    }, function (err) {
      setStatus(words().unreachable + err.message, true);
    });
  }

  // ---------- identity, hints, composer ----------

  function chooseIdentity(key) {
    var found = state.identities.filter(function (d) { return d.key === key; })[0] || state.identities[0];
    state.identity = found;
    el.identity.value = found.key;
    showIdentity(found);
    localStorage.setItem(IDENTITY_KEY, found.key);
    // Everyone sees the shared cards; your own views (clicks, refreshes) come back with you.
    state.items.forEach(renderItem);
  }

  function showHints() {
    HINTS.forEach(function (hint) {
      var b = node('button', 'hint', hint);
      b.type = 'button';
      b.addEventListener('click', function () {
        el.text.value = hint;
        el.text.focus();
      });
      el.hints.appendChild(b);
    });
  }

  function start() {
    showHints();
    var savedLocale = localStorage.getItem(LOCALE_KEY);
    el.locale.value = savedLocale || (/^zh\b/i.test(navigator.language || '') ? 'zh-CN' : 'en-US');
    el.locale.addEventListener('change', function () {
      localStorage.setItem(LOCALE_KEY, el.locale.value);
      applyPageLanguage();
    });
    applyPageLanguage();

    AdaptiveCards.AdaptiveCard.onProcessMarkdown = function (text, result) {
      result.outputHtml = markdown(text);
      result.didProcess = true;
    };

    el.composer.addEventListener('submit', function (e) {
      e.preventDefault();
      var text = el.text.value.trim();
      if (!text) return;
      send({ text: text }).then(function () { el.text.value = ''; }, function () {});
    });
    el.newChat.addEventListener('click', function () { openConversation(true); });

    api('GET', '/identities').then(function (info) {
      state.identities = info.identities;
      info.identities.forEach(function (d) {
        var option = node('option', '', d.name + ' — ' + d.key.replace('-', ' '));
        option.value = d.key;
        el.identity.appendChild(option);
      });
      state.demoIdentities = !!info.demoIdentities;
      el.bannerDetail.textContent = state.demoIdentities ? words().bannerApprovers : words().bannerNoDemo;
      el.identity.addEventListener('change', function () { chooseIdentity(el.identity.value); });
      chooseIdentity(localStorage.getItem(IDENTITY_KEY) || 'requester');
      return openConversation(false);
    }).catch(function (err) {
      setStatus(words().unreachable + err.message, true);
    });
  }

  start();
})();
