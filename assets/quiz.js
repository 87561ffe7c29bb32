/*
 * supportbook quiz widget (assets/quiz.js)
 *
 * Turns every `<div class="sb-quiz" data-quiz-id="ID">` on the page into an interactive quiz.
 * The quiz itself is the JSON inside its `<script type="application/json" class="sb-quiz-data">`.
 *
 * - Plain ES2018, no dependencies, no modules, no network except one optional POST:
 *   works from file:// and over http(s).
 * - Fields documented as HTML (prompt, context, choice html/feedback, items, says, ...) are
 *   already sanitized by supportbook and go in with innerHTML. Every other value (titles,
 *   answers, programs, learner names...) goes in with textContent only.
 * - Progress lives in localStorage under `supportbook-quiz:<id>:<hash>`.
 */
(function () {
  'use strict';

  const STATE_VERSION = 1;
  const KEY_PREFIX = 'supportbook-quiz:';
  const LEARNER_KEY = 'supportbook-learner';
  const VERBS = {
    answered: 'http://adlnet.gov/expapi/verbs/answered',
    passed: 'http://adlnet.gov/expapi/verbs/passed',
    failed: 'http://adlnet.gov/expapi/verbs/failed',
  };
  const CHANNELS = {
    phone: { icon: '\u260E', label: 'Phone' },
    chat: { icon: '\u{1F4AC}', label: 'Chat' },
    email: { icon: '\u2709', label: 'Email' },
    social: { icon: '\u{1F4E3}', label: 'Social media' },
  };
  const OUTCOMES = { good: 'Good outcome', neutral: 'Neutral outcome', bad: 'Bad outcome' };

  /** Every initialised quiz on the page (used to keep learner-name fields in sync). */
  const widgets = [];
  let idCounter = 0;

  // ---------------------------------------------------------------- storage

  /** localStorage when usable, else an in-memory map (private modes, blocked storage). */
  const store = createStore();

  function createStore() {
    const memory = new Map();
    let local = null;
    try {
      const probe = KEY_PREFIX + '__probe__';
      window.localStorage.setItem(probe, '1');
      window.localStorage.removeItem(probe);
      local = window.localStorage;
    } catch (err) {
      local = null;
    }
    return {
      get(key) {
        if (memory.has(key)) return memory.get(key);
        if (local) {
          try { return local.getItem(key); } catch (err) { /* fall through */ }
        }
        return null;
      },
      set(key, value) {
        memory.set(key, value);
        if (local) {
          try { local.setItem(key, value); } catch (err) { /* quota: memory copy still works */ }
        }
      },
      remove(key) {
        memory.delete(key);
        if (local) {
          try { local.removeItem(key); } catch (err) { /* ignore */ }
        }
      },
      keys() {
        const keys = new Set(memory.keys());
        if (local) {
          try {
            for (let i = 0; i < local.length; i += 1) keys.add(local.key(i));
          } catch (err) { /* ignore */ }
        }
        return Array.from(keys);
      },
    };
  }

  function loadLearner() {
    return store.get(LEARNER_KEY) || '';
  }

  // ---------------------------------------------------------------- small helpers

  /**
   * Creates an element. `props`: `text` sets textContent, `className`, `on<event>` adds a
   * listener, booleans toggle attributes, everything else becomes an attribute.
   * Children are nodes or strings (strings become text nodes, never HTML).
   */
  function h(tag, props, children) {
    const node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (name) {
      const value = props[name];
      if (value === null || value === undefined || value === false) return;
      if (name === 'text') node.textContent = String(value);
      else if (name === 'className') node.className = value;
      else if (name.slice(0, 2) === 'on' && typeof value === 'function') {
        node.addEventListener(name.slice(2), value);
      } else node.setAttribute(name, value === true ? '' : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  /** Inserts trusted, already-sanitized HTML from the quiz JSON. Only for fields marked HTML. */
  function setHtml(node, html) {
    node.innerHTML = html === null || html === undefined ? '' : String(html);
    return node;
  }

  /** Removes a lone wrapping <p> so short HTML (a choice, a reply) sits inline in a label. */
  function unwrapParagraph(node) {
    const only = node.firstElementChild;
    if (node.childElementCount === 1 && only.tagName === 'P' &&
        node.textContent.trim() === only.textContent.trim()) {
      while (only.firstChild) node.insertBefore(only.firstChild, only);
      node.removeChild(only);
    }
    return node;
  }

  function htmlBlock(tag, className, html) {
    return setHtml(h(tag, { className: className }), html);
  }

  function htmlInline(tag, className, html) {
    return unwrapParagraph(htmlBlock(tag, className, html));
  }

  /** Plain text of an HTML string (an inert <template> never runs scripts or loads images). */
  function htmlToText(html) {
    const template = document.createElement('template');
    template.innerHTML = html === null || html === undefined ? '' : String(html);
    return template.content.textContent.replace(/\s+/g, ' ').trim();
  }

  function truncate(text, max) {
    return text.length > max ? text.slice(0, max - 1).replace(/\s+$/, '') + '\u2026' : text;
  }

  function uid(part) {
    idCounter += 1;
    return 'sb-quiz-' + part + '-' + idCounter;
  }

  function nowIso() {
    return new Date().toISOString();
  }

  function randomBytes(count) {
    const bytes = new Uint8Array(count);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < count; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    return bytes;
  }

  function randomInt(bound) {
    const bytes = randomBytes(4);
    const value = ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3];
    return value % bound;
  }

  /** RFC 4122 version 4 UUID (crypto.randomUUID needs a secure context; file:// may not be). */
  function uuidv4() {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' +
      hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function range(count) {
    return Array.from({ length: count }, function (_, i) { return i; });
  }

  /** Fisher-Yates shuffle of a copy. */
  function shuffled(list) {
    const copy = list.slice();
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = randomInt(i + 1);
      const tmp = copy[i];
      copy[i] = copy[j];
      copy[j] = tmp;
    }
    return copy;
  }

  function formatPoints(value) {
    const rounded = Math.round(value * 100) / 100;
    return String(rounded);
  }

  function plural(count, word) {
    return count + ' ' + word + (count === 1 ? '' : 's');
  }

  // ---------------------------------------------------------------- the quiz data

  function readQuiz(container) {
    const script = container.querySelector('script.sb-quiz-data');
    if (!script) throw new Error('no <script class="sb-quiz-data"> in this quiz');
    return normaliseQuiz(JSON.parse(script.textContent), container.getAttribute('data-quiz-id'));
  }

  /** Fills defaults and drops questions of unknown types (with a console warning). */
  function normaliseQuiz(data, fallbackId) {
    const id = String(data.id || fallbackId || 'quiz');
    const raw = Array.isArray(data.questions) ? data.questions : [];
    const questions = [];
    raw.forEach(function (question, index) {
      if (!question || !HANDLERS[question.type]) {
        console.warn('supportbook quiz ' + id + ': skipping question ' + (index + 1) +
          ' of unsupported type ' + (question && question.type));
        return;
      }
      questions.push(Object.assign({}, question, { id: String(question.id || id + '-' + (index + 1)) }));
    });
    const pass = Number(data.passPercent);
    return {
      id: id,
      title: data.title ? String(data.title) : id,
      hash: data.hash === null || data.hash === undefined ? '' : String(data.hash),
      passPercent: data.passPercent === null || data.passPercent === undefined || !isFinite(pass) ? 70 : pass,
      shuffle: data.shuffle === true,
      covers: Array.isArray(data.covers) ? data.covers : [],
      questions: questions,
      byId: new Map(questions.map(function (q) { return [q.id, q]; })),
    };
  }

  // ---------------------------------------------------------------- progress state

  function storageKey(quiz) {
    return KEY_PREFIX + quiz.id + ':' + quiz.hash;
  }

  /** A changed quiz has a new hash: forget progress saved for any other version of it. */
  function removeStaleProgress(quiz) {
    const prefix = KEY_PREFIX + quiz.id + ':';
    const current = storageKey(quiz);
    store.keys().forEach(function (key) {
      if (key && key.indexOf(prefix) === 0 && key !== current &&
          key.slice(prefix.length).indexOf(':') === -1) {
        store.remove(key);
      }
    });
  }

  /** Question order for one pass: the quiz order, shuffled when the quiz asks for it. */
  function orderQuestions(quiz, ids) {
    return quiz.shuffle ? shuffled(ids) : ids.slice();
  }

  function newState(quiz, learner) {
    return {
      version: STATE_VERSION,
      learner: learner || '',
      startedAt: nowIso(),
      finishedAt: null,
      round: 1, // 1 = first pass through the quiz, 2 = first "retry the ones I missed", ...
      queue: orderQuestions(quiz, quiz.questions.map(function (q) { return q.id; })),
      pos: 0,
      finished: false,
      current: null, // what the trainee has done so far on queue[pos]
      answers: [], // every graded try, oldest first
      postedRound: 0,
    };
  }

  /** The saved state, or null when there is none or it doesn't fit this quiz. */
  function loadState(quiz) {
    const text = store.get(storageKey(quiz));
    if (!text) return null;
    try {
      const state = JSON.parse(text);
      const valid = state && state.version === STATE_VERSION && Array.isArray(state.queue) &&
        Array.isArray(state.answers) && state.queue.length > 0 &&
        state.queue.every(function (id) { return quiz.byId.has(id); }) &&
        state.answers.every(function (a) { return a && quiz.byId.has(a.questionId); }) &&
        typeof state.pos === 'number' && state.pos >= 0 &&
        (state.finished || state.pos < state.queue.length);
      if (!valid) return null;
      if (state.current && (state.finished || state.current.questionId !== state.queue[state.pos])) {
        state.current = null;
      }
      return state;
    } catch (err) {
      return null;
    }
  }

  function save(widget) {
    store.set(widget.key, JSON.stringify(widget.state));
  }

  // ---------------------------------------------------------------- scoring

  /** 0..1 credit of one answer: points/maxPoints (1 or 0 for right/wrong questions). */
  function creditOf(answer) {
    if (!answer) return 0;
    if (answer.maxPoints > 0) return Math.max(0, Math.min(1, answer.points / answer.maxPoints));
    return answer.correct ? 1 : 0;
  }

  /** The score from the latest try of every question (a retry replaces the earlier try). */
  function computeResult(widget) {
    const quiz = widget.quiz;
    const latest = new Map();
    widget.state.answers.forEach(function (a) { latest.set(a.questionId, a); });
    let points = 0;
    const missed = [];
    quiz.questions.forEach(function (q) {
      const answer = latest.get(q.id);
      points += creditOf(answer);
      if (!answer || !answer.correct) missed.push(q);
    });
    const score = quiz.questions.length ? points / quiz.questions.length : 0;
    // The epsilon keeps 0.29 * 100 = 28.999... from showing (or failing) as 28%.
    return {
      score: score,
      points: points,
      percent: Math.floor(score * 100 + 1e-9),
      passed: score * 100 + 1e-9 >= quiz.passPercent,
      missed: missed,
      latest: latest,
    };
  }

  function recordAnswer(widget, question, grade) {
    const earlier = widget.state.answers.filter(function (a) { return a.questionId === question.id; });
    const entry = {
      questionId: question.id,
      response: grade.response,
      input: grade.input,
      correct: grade.correct,
      points: grade.points,
      maxPoints: grade.maxPoints,
      attempt: earlier.length + 1,
      answeredAt: nowIso(),
    };
    widget.state.answers.push(entry);
    return entry;
  }

  // ---------------------------------------------------------------- question types

  /** Shared by ShortAnswer and Tracing: trimmed, lowercased, one final "." removed. */
  function normaliseShortAnswer(text) {
    return String(text === null || text === undefined ? '' : text)
      .trim().toLowerCase().replace(/\.$/, '').trim();
  }

  /** Program output compared line by line, ignoring trailing spaces and blank edges. */
  function normaliseOutput(text) {
    return String(text === null || text === undefined ? '' : text)
      .replace(/\r\n?/g, '\n').split('\n')
      .map(function (line) { return line.replace(/\s+$/, ''); })
      .join('\n').replace(/^\n+|\n+$/g, '');
  }

  function isMultiple(question) {
    const correct = question.choices.filter(function (c) { return c.correct; }).length;
    return question.multiple === true || correct > 1;
  }

  /** A <form> with the question's fields and a Check button; submit grades the answer. */
  function questionForm(view, fields) {
    const check = h('button', { type: 'submit', className: 'sb-quiz-button sb-quiz-button--primary sb-quiz-check' }, ['Check']);
    const form = h('form', { className: 'sb-quiz-form', novalidate: true }, fields.concat([
      h('div', { className: 'sb-quiz-actions' }, [check]),
    ]));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      checkAnswer(view);
    });
    view.root.appendChild(form);
    view.form = form;
    return form;
  }

  /** A right/wrong mark added to an element the trainee can see (choice, item). */
  function markNode(node, right, label) {
    node.classList.add(right ? 'is-right' : 'is-wrong');
    node.appendChild(h('span', { className: 'sb-quiz-mark' }, [(right ? '\u2713 ' : '\u2717 ') + label]));
  }

  const MultipleChoice = {
    start: function (q) {
      const indexes = range(q.choices.length);
      const order = q.sortAnswers
        ? indexes.slice().sort(function (a, b) {
          return htmlToText(q.choices[a].html).localeCompare(htmlToText(q.choices[b].html));
        })
        : shuffled(indexes);
      // mdbook-quiz's prompt.answerIndex: the (single) answer at a fixed place.
      const correct = indexes.filter(function (i) { return q.choices[i].correct; });
      if (typeof q.answerIndex === 'number' && correct.length === 1 && q.answerIndex >= 0 && q.answerIndex < order.length) {
        order.splice(order.indexOf(correct[0]), 1);
        order.splice(q.answerIndex, 0, correct[0]);
      }
      return { order: order, selected: [] };
    },

    render: function (view) {
      const q = view.q;
      const current = view.current;
      const multiple = isMultiple(q);
      const name = uid('choice');
      const fieldset = h('fieldset', { className: 'sb-quiz-choices' }, [
        h('legend', { className: 'sb-quiz-legend' }, [multiple ? 'Choose every correct answer.' : 'Choose one answer.']),
      ]);
      current.order.forEach(function (index) {
        const input = h('input', { type: multiple ? 'checkbox' : 'radio', name: name, value: String(index) });
        input.checked = current.selected.indexOf(index) !== -1;
        input.addEventListener('change', function () {
          current.selected = Array.from(fieldset.querySelectorAll('input:checked'))
            .map(function (el) { return Number(el.value); });
          save(view.widget);
        });
        fieldset.appendChild(h('label', { className: 'sb-quiz-choice', 'data-choice-index': index }, [
          input, htmlInline('span', 'sb-quiz-choice-text', q.choices[index].html),
        ]));
      });
      questionForm(view, [fieldset]);
    },

    validate: function (q, current) {
      if (current.selected.length) return null;
      return isMultiple(q) ? 'Choose at least one answer, then press Check.' : 'Choose an answer, then press Check.';
    },

    grade: function (q, current) {
      const chosen = current.order.filter(function (i) { return current.selected.indexOf(i) !== -1; });
      const right = q.choices.every(function (choice, i) {
        return Boolean(choice.correct) === (chosen.indexOf(i) !== -1);
      });
      return {
        correct: right,
        points: right ? 1 : 0,
        maxPoints: 1,
        response: chosen.map(function (i) { return htmlToText(q.choices[i].html); }),
        input: { choices: chosen.slice() },
      };
    },

    /** Feedback of every chosen choice, plus the right answers that were not chosen. */
    feedback: function (view) {
      const q = view.q;
      const current = view.current;
      const list = h('ul', { className: 'sb-quiz-choice-feedback' });
      current.order.forEach(function (index) {
        const choice = q.choices[index];
        const chosen = current.selected.indexOf(index) !== -1;
        const label = view.form.querySelector('[data-choice-index="' + index + '"]');
        if (choice.correct) markNode(label, true, chosen ? 'Right' : 'Right answer');
        else if (chosen) markNode(label, false, 'Wrong');
        if (!chosen && !choice.correct) return;
        const tag = chosen ? (choice.correct ? 'Your choice: right' : 'Your choice: wrong') : 'You missed this right answer';
        list.appendChild(h('li', { className: 'sb-quiz-choice-result ' + (choice.correct ? 'is-right' : 'is-wrong') }, [
          h('span', { className: 'sb-quiz-tag' }, [(choice.correct ? '\u2713 ' : '\u2717 ') + tag]),
          htmlBlock('div', 'sb-quiz-choice-text', choice.html),
          choice.feedback ? htmlBlock('div', 'sb-quiz-choice-note', choice.feedback) : null,
        ]));
      });
      view.feedback.appendChild(list);
    },
  };

  const ShortAnswer = {
    start: function () {
      return { text: '' };
    },

    render: function (view) {
      const current = view.current;
      const inputId = uid('answer');
      const long = view.q.response === 'long';
      const input = long
        ? h('textarea', { id: inputId, className: 'sb-quiz-text-input', rows: 4 })
        : h('input', { id: inputId, type: 'text', className: 'sb-quiz-text-input', autocomplete: 'off', spellcheck: 'false' });
      input.value = current.text || '';
      input.addEventListener('input', function () {
        current.text = input.value;
        save(view.widget);
      });
      questionForm(view, [
        h('div', { className: 'sb-quiz-field' }, [
          h('label', { for: inputId, className: 'sb-quiz-label' }, ['Your answer']),
          input,
        ]),
      ]);
    },

    validate: function (q, current) {
      return String(current.text || '').trim() ? null : 'Type an answer, then press Check.';
    },

    grade: function (q, current) {
      const given = normaliseShortAnswer(current.text);
      const right = (q.answers || []).some(function (a) { return normaliseShortAnswer(a) === given; });
      const text = String(current.text || '').trim();
      return { correct: right, points: right ? 1 : 0, maxPoints: 1, response: text, input: { text: text } };
    },

    feedback: function (view, entry) {
      const answers = view.q.answers || [];
      if (!answers.length) return;
      const words = answers.length === 1 ? 'Accepted answer: ' : 'Accepted answers: ';
      const accepted = h('p', { className: 'sb-quiz-accepted' }, [words]);
      answers.forEach(function (answer, i) {
        if (i) accepted.appendChild(document.createTextNode(', '));
        accepted.appendChild(h('strong', { text: answer }));
      });
      if (!entry.correct) {
        view.feedback.appendChild(h('p', {}, ['You answered: ', h('strong', { text: entry.response })]));
      }
      view.feedback.appendChild(accepted);
    },
  };

  const Tracing = {
    start: function () {
      return { compiles: null, stdout: '' };
    },

    render: function (view) {
      const current = view.current;
      const name = uid('compiles');
      const outId = uid('stdout');
      const program = h('pre', { className: 'sb-quiz-program' }, [h('code', { text: view.q.program || '' })]);
      const output = h('textarea', { id: outId, className: 'sb-quiz-text-input sb-quiz-code-input', rows: 3, spellcheck: 'false', autocapitalize: 'off' });
      output.value = current.stdout || '';
      output.addEventListener('input', function () {
        current.stdout = output.value;
        save(view.widget);
      });
      const outputField = h('div', { className: 'sb-quiz-field' }, [
        h('label', { for: outId, className: 'sb-quiz-label' }, ['What does it print?']),
        output,
      ]);
      outputField.hidden = current.compiles !== true;

      const fieldset = h('fieldset', { className: 'sb-quiz-choices' }, [
        h('legend', { className: 'sb-quiz-legend' }, ['Does this program compile?']),
      ]);
      [['yes', true, 'Yes'], ['no', false, 'No']].forEach(function (option) {
        const input = h('input', { type: 'radio', name: name, value: option[0] });
        input.checked = current.compiles === option[1];
        input.addEventListener('change', function () {
          current.compiles = option[1];
          outputField.hidden = current.compiles !== true;
          save(view.widget);
        });
        fieldset.appendChild(h('label', { className: 'sb-quiz-choice sb-quiz-choice--inline' }, [input, option[2]]));
      });
      view.root.appendChild(program);
      questionForm(view, [fieldset, outputField]);
    },

    validate: function (q, current) {
      return current.compiles === null || current.compiles === undefined
        ? 'Say whether the program compiles, then press Check.' : null;
    },

    grade: function (q, current) {
      const compiles = current.compiles === true;
      const right = compiles === Boolean(q.doesCompile) &&
        (!compiles || normaliseOutput(current.stdout) === normaliseOutput(q.stdout));
      return {
        correct: right,
        points: right ? 1 : 0,
        maxPoints: 1,
        response: { doesCompile: compiles, stdout: compiles ? String(current.stdout || '') : null },
        input: { doesCompile: compiles, stdout: compiles ? String(current.stdout || '') : null },
      };
    },

    feedback: function (view) {
      if (view.q.doesCompile) {
        const out = normaliseOutput(view.q.stdout);
        view.feedback.appendChild(h('p', {}, [out ? 'This program compiles and prints:' : 'This program compiles and prints nothing.']));
        if (out) view.feedback.appendChild(h('pre', { className: 'sb-quiz-program' }, [h('code', { text: out })]));
      } else {
        view.feedback.appendChild(h('p', {}, ['This program does not compile.']));
      }
    },
  };

  /** Item positions in the correct order (the identity), unless that order is trivial. */
  function isInOrder(order, items) {
    return order.every(function (index, position) { return items[index] === items[position]; });
  }

  /** A shuffled order that is never already correct when there are 2+ distinct items. */
  function shuffledOutOfOrder(items) {
    const identity = range(items.length);
    if (items.length < 2) return identity;
    const order = shuffled(identity);
    return isInOrder(order, items) ? identity.slice(1).concat(identity[0]) : order;
  }

  const Ordering = {
    start: function (q) {
      return { order: shuffledOutOfOrder(q.items || []) };
    },

    render: function (view) {
      const q = view.q;
      const current = view.current;
      // role="list": list-style none makes some screen readers forget it is a list.
      const list = h('ol', { className: 'sb-quiz-order-list', role: 'list' });
      const status = h('p', { className: 'sb-quiz-sr-only', 'aria-live': 'polite' });

      function move(position, delta, direction) {
        const target = position + delta;
        if (view.current.submitted || target < 0 || target >= current.order.length) return;
        const moved = current.order[position];
        current.order[position] = current.order[target];
        current.order[target] = moved;
        save(view.widget);
        draw();
        // Keep focus on the moved item so repeated key presses keep moving it.
        const item = list.children[target];
        const same = item.querySelector('[data-move="' + direction + '"]');
        (same.disabled ? item.querySelector('button:not([disabled])') : same).focus();
        status.textContent = htmlToText(q.items[moved]) + ', moved to position ' + (target + 1) +
          ' of ' + current.order.length + '.';
      }

      function draw() {
        list.textContent = '';
        current.order.forEach(function (index, position) {
          const text = htmlToText(q.items[index]);
          const up = h('button', {
            type: 'button', className: 'sb-quiz-button sb-quiz-move', 'data-move': 'up',
            'aria-label': 'Move up: ' + text, disabled: position === 0,
          }, [h('span', { 'aria-hidden': 'true' }, ['\u25B2 Up'])]);
          const down = h('button', {
            type: 'button', className: 'sb-quiz-button sb-quiz-move', 'data-move': 'down',
            'aria-label': 'Move down: ' + text, disabled: position === current.order.length - 1,
          }, [h('span', { 'aria-hidden': 'true' }, ['\u25BC Down'])]);
          up.addEventListener('click', function () { move(position, -1, 'up'); });
          down.addEventListener('click', function () { move(position, 1, 'down'); });
          list.appendChild(h('li', { className: 'sb-quiz-order-item', 'data-item-index': index }, [
            h('span', { className: 'sb-quiz-order-num' }, [(position + 1) + '.']),
            htmlInline('span', 'sb-quiz-order-text', q.items[index]),
            h('span', { className: 'sb-quiz-order-controls' }, [up, down]),
          ]));
        });
      }

      draw();
      questionForm(view, [h('fieldset', { className: 'sb-quiz-choices' }, [
        h('legend', { className: 'sb-quiz-legend' }, ['Put these in order, first at the top. Move an item with its Up and Down buttons.']),
        list,
        status,
      ])]);
    },

    validate: function () {
      return null;
    },

    grade: function (q, current) {
      const right = isInOrder(current.order, q.items || []);
      return {
        correct: right,
        points: right ? 1 : 0,
        maxPoints: 1,
        response: current.order.map(function (i) { return htmlToText(q.items[i]); }),
        input: { order: current.order.slice() },
      };
    },

    feedback: function (view, entry) {
      const q = view.q;
      Array.from(view.form.querySelectorAll('.sb-quiz-order-item')).forEach(function (item, position) {
        const right = q.items[Number(item.getAttribute('data-item-index'))] === q.items[position];
        markNode(item, right, right ? 'In place' : 'Out of place');
      });
      if (entry.correct) return;
      view.feedback.appendChild(h('p', {}, ['The right order:']));
      view.feedback.appendChild(h('ol', { className: 'sb-quiz-right-order' }, (q.items || []).map(function (item) {
        return htmlBlock('li', '', item);
      })));
    },
  };

  /** A scenario node with no choices is an ending (whether or not it names an outcome). */
  function isEnding(node) {
    return !node || Boolean(node.outcome) || !Array.isArray(node.choices) || node.choices.length === 0;
  }

  function firstNodeId(q) {
    return q.start || Object.keys(q.nodes || {})[0];
  }

  const Scenario = {
    start: function (q) {
      return { node: firstNodeId(q), steps: [], points: 0 };
    },

    render: function (view) {
      const q = view.q;
      const current = view.current;
      const chat = h('div', { className: 'sb-quiz-chat', role: 'log', 'aria-label': 'Conversation' });
      const repliesLabel = uid('replies');
      const replies = h('div', { className: 'sb-quiz-replies', role: 'group', 'aria-labelledby': repliesLabel });
      view.root.appendChild(chat);
      view.root.appendChild(replies);

      let lastChannel = '';

      function customerSays(nodeId) {
        const node = q.nodes && q.nodes[nodeId];
        if (!node || !node.says) return;
        // Endings usually name no channel: the conversation stays on the one it was on.
        const channelName = node.channel || lastChannel;
        lastChannel = channelName;
        const channel = CHANNELS[channelName] || { icon: '', label: channelName || '' };
        const meta = ['Customer'];
        if (channel.label) meta.push(channel.label);
        if (node.mood) meta.push(String(node.mood));
        chat.appendChild(h('div', { className: 'sb-quiz-msg sb-quiz-msg--customer', 'data-node': nodeId }, [
          h('p', { className: 'sb-quiz-msg-meta' }, [
            channel.icon ? h('span', { className: 'sb-quiz-msg-icon', 'aria-hidden': 'true' }, [channel.icon]) : null,
            meta.join(' \u00B7 '),
          ]),
          htmlBlock('div', 'sb-quiz-msg-text', node.says),
        ]));
      }

      function agentReplies(choice) {
        const points = Number(choice.points) || 0;
        chat.appendChild(h('div', { className: 'sb-quiz-msg sb-quiz-msg--agent' }, [
          h('p', { className: 'sb-quiz-msg-meta' }, ['You']),
          htmlBlock('div', 'sb-quiz-msg-text', choice.text),
        ]));
        chat.appendChild(h('div', { className: 'sb-quiz-msg-note ' + (points > 0 ? 'is-right' : 'is-wrong') }, [
          h('p', { className: 'sb-quiz-points' }, [(points > 0 ? '+' : '') + plural(points, 'point')]),
          choice.feedback ? htmlBlock('div', 'sb-quiz-msg-feedback', choice.feedback) : null,
        ]));
      }

      function conversationEnds() {
        const node = q.nodes && q.nodes[current.node];
        const outcome = node && OUTCOMES[node.outcome] ? node.outcome : 'neutral';
        const max = Number(q.maxPoints) || 0;
        chat.appendChild(h('div', { className: 'sb-quiz-outcome sb-quiz-outcome--' + outcome }, [
          h('strong', {}, ['Conversation over: ' + OUTCOMES[outcome].toLowerCase() + '.']),
          ' You earned ' + formatPoints(current.points) + ' of ' + formatPoints(max) + ' points.',
        ]));
      }

      function offerReplies(moveFocus) {
        replies.textContent = '';
        const node = q.nodes[current.node];
        replies.appendChild(h('p', { id: repliesLabel, className: 'sb-quiz-label' }, ['Your reply:']));
        node.choices.forEach(function (choice, index) {
          replies.appendChild(h('button', {
            type: 'button', className: 'sb-quiz-button sb-quiz-reply', onclick: function () { choose(index); },
          }, [htmlInline('span', 'sb-quiz-reply-text', choice.text)]));
        });
        if (moveFocus) replies.querySelector('button').focus();
      }

      function choose(index) {
        const node = q.nodes[current.node];
        const choice = node && node.choices[index];
        if (!choice || current.submitted) return;
        current.steps.push(current.node + ':' + index);
        current.points += Number(choice.points) || 0;
        current.node = choice.next;
        save(view.widget);
        agentReplies(choice);
        customerSays(current.node);
        advance(true);
      }

      /** After a step: either offer the next replies or close the conversation and grade it. */
      function advance(moveFocus) {
        const node = q.nodes && q.nodes[current.node];
        if (!isEnding(node) && current.steps.length < 200) {
          offerReplies(moveFocus);
          return;
        }
        replies.textContent = '';
        replies.hidden = true;
        conversationEnds();
        if (!current.submitted) {
          submitGrade(view, Scenario.grade(q, current), moveFocus);
        }
      }

      // Replay the steps taken so far (after a reload), then continue from the current node.
      let nodeId = firstNodeId(q);
      customerSays(nodeId);
      current.steps.forEach(function (step) {
        const parts = step.split(':');
        const choice = q.nodes[parts[0]].choices[Number(parts[1])];
        agentReplies(choice);
        nodeId = choice.next;
        customerSays(nodeId);
      });
      view.advance = advance;
    },

    /** Called once the whole view is in place (the question's feedback area exists by then). */
    afterRender: function (view) {
      view.advance(false);
    },

    grade: function (q, current) {
      const max = Number(q.maxPoints) || 0;
      return {
        correct: current.points >= max,
        points: current.points,
        maxPoints: max,
        response: current.steps.slice(),
        input: { steps: current.steps.slice() },
      };
    },

    feedback: function () { /* the chat already shows every reply's feedback and the outcome */ },
  };

  const HANDLERS = {
    MultipleChoice: MultipleChoice,
    ShortAnswer: ShortAnswer,
    Tracing: Tracing,
    Ordering: Ordering,
    Scenario: Scenario,
  };

  // ---------------------------------------------------------------- question view

  function questionLabel(state) {
    const of = (state.pos + 1) + ' of ' + state.queue.length;
    return state.round > 1 ? 'Retry: question ' + of : 'Question ' + of;
  }

  function renderQuestion(widget) {
    const state = widget.state;
    const q = widget.quiz.byId.get(state.queue[state.pos]);
    const handler = HANDLERS[q.type];
    if (!state.current) {
      state.current = Object.assign({ questionId: q.id, submitted: false, gradeIndex: -1 }, handler.start(q));
      save(widget);
    }
    const heading = h('h3', { className: 'sb-quiz-question-heading', id: uid('heading'), tabindex: '-1' }, [questionLabel(state)]);
    const promptId = uid('prompt');
    const root = h('div', {
      className: 'sb-quiz-question', role: 'group', 'aria-labelledby': heading.id,
      'aria-describedby': q.prompt ? promptId : null,
      'data-question-id': q.id, 'data-question-type': q.type,
    }, [heading]);
    if (q.prompt) root.appendChild(setHtml(h('div', { className: 'sb-quiz-prompt', id: promptId }), q.prompt));

    const view = {
      widget: widget, q: q, root: root, current: state.current, form: null,
      feedback: h('div', { className: 'sb-quiz-feedback', 'aria-live': 'polite' }),
      nav: h('div', { className: 'sb-quiz-nav' }),
    };
    handler.render(view);
    root.appendChild(view.feedback);
    root.appendChild(view.nav);
    if (state.current.submitted) showResult(view, state.answers[state.current.gradeIndex], false);
    if (handler.afterRender) handler.afterRender(view);
    return { root: root, focus: heading };
  }

  function showHint(view, text) {
    view.feedback.textContent = '';
    view.feedback.appendChild(h('p', { className: 'sb-quiz-hint' }, [text]));
  }

  /** The Check button: validate, grade, record, then show the feedback. */
  function checkAnswer(view) {
    if (view.current.submitted) return;
    const handler = HANDLERS[view.q.type];
    const problem = handler.validate(view.q, view.current);
    if (problem) {
      showHint(view, problem);
      return;
    }
    submitGrade(view, handler.grade(view.q, view.current), true);
  }

  function submitGrade(view, grade, moveFocus) {
    const widget = view.widget;
    const entry = recordAnswer(widget, view.q, grade);
    view.current.submitted = true;
    view.current.gradeIndex = widget.state.answers.length - 1;
    save(widget);
    showResult(view, entry, moveFocus);
  }

  function verdictText(entry) {
    if (entry.maxPoints > 1 || (entry.maxPoints === 1 && entry.points !== 0 && entry.points !== 1)) {
      const lead = entry.correct ? 'Full marks! ' : 'Not the best path. ';
      return lead + 'You earned ' + formatPoints(entry.points) + ' of ' + formatPoints(entry.maxPoints) + ' points.';
    }
    return entry.correct ? 'Correct!' : 'Not quite.';
  }

  /** Locks the answer and shows feedback, the explanation (context) and the Next button. */
  function showResult(view, entry, moveFocus) {
    const widget = view.widget;
    const q = view.q;
    if (view.form) {
      view.form.classList.add('is-locked');
      Array.from(view.form.querySelectorAll('input, textarea, button, select')).forEach(function (el) { el.disabled = true; });
      const check = view.form.querySelector('.sb-quiz-check');
      if (check) check.hidden = true;
    }
    view.feedback.textContent = '';
    view.feedback.classList.add(entry.correct ? 'is-right' : 'is-wrong');
    view.feedback.appendChild(h('p', { className: 'sb-quiz-verdict-line' }, [
      h('span', { className: 'sb-quiz-verdict-icon', 'aria-hidden': 'true' }, [entry.correct ? '\u2713' : '\u2717']),
      ' ' + verdictText(entry),
    ]));
    HANDLERS[q.type].feedback(view, entry);
    if (q.context) view.feedback.appendChild(htmlBlock('div', 'sb-quiz-context', q.context));

    const last = widget.state.pos >= widget.state.queue.length - 1;
    const next = h('button', { type: 'button', className: 'sb-quiz-button sb-quiz-button--primary sb-quiz-next' }, [
      last ? 'See my results' : 'Next question',
    ]);
    next.addEventListener('click', function () { goNext(widget); });
    view.nav.textContent = '';
    view.nav.appendChild(next);
    if (moveFocus) next.focus();
  }

  // ---------------------------------------------------------------- flow

  function goNext(widget) {
    const state = widget.state;
    state.pos += 1;
    state.current = null;
    if (state.pos >= state.queue.length) {
      state.pos = state.queue.length - 1;
      finish(widget);
    }
    save(widget);
    render(widget, true);
  }

  function finish(widget) {
    const state = widget.state;
    state.finished = true;
    state.finishedAt = nowIso();
    // Each finished round is one attempt with its own id (the xAPI
    // registration): importing or posting it twice records it once.
    if (state.registrationRound !== state.round || !state.registration) {
      state.registration = uuidv4();
      state.registrationRound = state.round;
    }
    if (state.postedRound !== state.round) {
      state.postedRound = state.round;
      save(widget);
      postAttempt(buildAttempt(widget));
    }
  }

  function retryMissed(widget) {
    const state = widget.state;
    const missed = computeResult(widget).missed;
    if (!missed.length) return;
    state.round += 1;
    state.queue = orderQuestions(widget.quiz, missed.map(function (q) { return q.id; }));
    state.pos = 0;
    state.finished = false;
    state.current = null;
    save(widget);
    render(widget, true);
  }

  function startOver(widget) {
    widget.state = newState(widget.quiz, widget.state.learner);
    save(widget);
    render(widget, true);
  }

  // ---------------------------------------------------------------- results: attempt JSON, POST, xAPI

  function buildAttempt(widget) {
    const state = widget.state;
    const result = computeResult(widget);
    return {
      uuid: state.registration || null,
      quizId: widget.quiz.id,
      quizHash: widget.quiz.hash,
      learner: state.learner || null,
      startedAt: state.startedAt,
      finishedAt: state.finishedAt,
      score: result.score,
      passed: result.passed,
      answers: state.answers.map(function (a) {
        return {
          questionId: a.questionId,
          response: a.response,
          input: a.input,
          correct: a.correct,
          points: a.points,
          maxPoints: a.maxPoints,
          attempt: a.attempt,
        };
      }),
    };
  }

  /** Sends the attempt to `<path_to_root>api/attempts` over http(s) only; failures are ignored. */
  function postAttempt(attempt) {
    if (!/^https?:$/.test(window.location.protocol) || typeof window.fetch !== 'function') return;
    // mdBook declares `path_to_root` with var (older) or const (0.5+): only a bare name sees both.
    // eslint-disable-next-line no-undef
    const root = typeof path_to_root === 'string' ? path_to_root : '';
    try {
      window.fetch(root + 'api/attempts', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(attempt),
        credentials: 'same-origin',
      }).catch(function () { /* static hosting has no API: fine */ });
    } catch (err) { /* ignore */ }
  }

  function xapiActor(learner) {
    const name = learner || 'anonymous';
    return { objectType: 'Agent', name: name, account: { homePage: 'urn:supportbook', name: name } };
  }

  /** xAPI 1.0.3 statements: one "answered" per graded try, then "passed"/"failed" for the quiz. */
  function buildStatements(widget) {
    const quiz = widget.quiz;
    const state = widget.state;
    const result = computeResult(widget);
    const actor = xapiActor(state.learner);
    const quizIri = 'urn:supportbook:quiz:' + quiz.id;
    const statements = state.answers.map(function (a) {
      const q = quiz.byId.get(a.questionId);
      return {
        id: uuidv4(),
        actor: actor,
        verb: { id: VERBS.answered, display: { 'en-US': 'answered' } },
        object: {
          objectType: 'Activity',
          id: quizIri + '/question/' + a.questionId,
          definition: {
            type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
            name: { 'en-US': truncate(htmlToText(q.prompt) || q.id, 200) },
          },
        },
        result: {
          success: a.correct,
          response: typeof a.response === 'string' ? a.response : JSON.stringify(a.response),
          score: { scaled: creditOf(a), raw: a.points, min: 0, max: a.maxPoints },
        },
        context: {
          registration: state.registration || undefined,
          contextActivities: { parent: [{ objectType: 'Activity', id: quizIri }] },
          extensions: { 'urn:supportbook:attempt': a.attempt },
        },
        timestamp: a.answeredAt,
      };
    });
    statements.push({
      id: uuidv4(),
      actor: actor,
      verb: result.passed
        ? { id: VERBS.passed, display: { 'en-US': 'passed' } }
        : { id: VERBS.failed, display: { 'en-US': 'failed' } },
      object: {
        objectType: 'Activity',
        id: quizIri,
        definition: {
          type: 'http://adlnet.gov/expapi/activities/assessment',
          name: { 'en-US': quiz.title },
        },
      },
      result: { success: result.passed, completion: true, score: { scaled: result.score } },
      context: {
        registration: state.registration || undefined,
        extensions: { 'urn:supportbook:quiz-hash': quiz.hash, 'urn:supportbook:started-at': state.startedAt },
      },
      timestamp: state.finishedAt || nowIso(),
    });
    return statements;
  }

  function exportFileName(widget) {
    const day = (widget.state.finishedAt || nowIso()).slice(0, 10);
    return 'supportbook-' + widget.quiz.id.replace(/[^A-Za-z0-9_-]+/g, '-') + '-' + day + '.json';
  }

  /** Downloads the statements through a Blob link, and leaves the link in place as a fallback. */
  function exportResults(widget, status) {
    const json = JSON.stringify(buildStatements(widget), null, 2);
    const blob = new Blob([json], { type: 'application/json' });
    if (widget.exportUrl) URL.revokeObjectURL(widget.exportUrl);
    widget.exportUrl = URL.createObjectURL(blob);
    const name = exportFileName(widget);
    const link = h('a', { href: widget.exportUrl, download: name, className: 'sb-quiz-export-link' }, [name]);
    status.textContent = '';
    status.appendChild(document.createTextNode('Your results (xAPI statements) are downloading as '));
    status.appendChild(link);
    status.appendChild(document.createTextNode('. If nothing happened, use that link.'));
    link.click();
  }

  // ---------------------------------------------------------------- summary view

  /** Only relative links and http(s) links from the quiz's "covers" list. */
  function safeHref(url) {
    const text = String(url || '').trim();
    return /^(https?:|[^:]*$)/i.test(text) ? text : null;
  }

  function missedDetail(answer) {
    if (!answer) return 'not answered';
    if (answer.maxPoints > 1) return formatPoints(answer.points) + ' of ' + formatPoints(answer.maxPoints) + ' points';
    return 'answered wrong';
  }

  function renderSummary(widget) {
    const quiz = widget.quiz;
    const result = computeResult(widget);
    const heading = h('h3', { className: 'sb-quiz-question-heading', id: uid('results'), tabindex: '-1' }, ['Your results']);
    const root = h('div', { className: 'sb-quiz-summary', role: 'group', 'aria-labelledby': heading.id }, [heading]);

    root.appendChild(h('p', { className: 'sb-quiz-score' }, [
      h('span', { className: 'sb-quiz-verdict ' + (result.passed ? 'is-right' : 'is-wrong') }, [result.passed ? 'PASSED' : 'NOT YET']),
      ' You scored ',
      h('strong', { className: 'sb-quiz-percent' }, [result.percent + '%']),
      ' (' + formatPoints(result.points) + ' of ' + quiz.questions.length + ' points). The pass mark is ' + quiz.passPercent + '%.',
    ]));

    if (result.missed.length) {
      root.appendChild(h('h4', { className: 'sb-quiz-subheading' }, ['Questions to review']));
      root.appendChild(h('ul', { className: 'sb-quiz-missed' }, result.missed.map(function (q) {
        return h('li', { 'data-question-id': q.id }, [
          truncate(htmlToText(q.prompt) || q.id, 160),
          h('span', { className: 'sb-quiz-missed-detail' }, [' (' + missedDetail(result.latest.get(q.id)) + ')']),
        ]);
      })));
    } else {
      root.appendChild(h('p', {}, ['You answered every question correctly.']));
    }

    const covers = quiz.covers.filter(function (c) { return c && c.title; });
    if (covers.length) {
      root.appendChild(h('h4', { className: 'sb-quiz-subheading' }, [result.missed.length ? 'Read again' : 'This quiz covers']));
      root.appendChild(h('ul', { className: 'sb-quiz-covers' }, covers.map(function (c) {
        const href = safeHref(c.url);
        return h('li', {}, [href ? h('a', { href: href, text: c.title }) : h('span', { text: c.title })]);
      })));
    }

    const status = h('p', { className: 'sb-quiz-status', 'aria-live': 'polite' });
    const actions = h('div', { className: 'sb-quiz-actions' });
    if (result.missed.length) {
      actions.appendChild(h('button', {
        type: 'button', className: 'sb-quiz-button sb-quiz-button--primary sb-quiz-retry',
        onclick: function () { retryMissed(widget); },
      }, ['Retry the ones I missed']));
    }
    actions.appendChild(h('button', {
      type: 'button', className: 'sb-quiz-button sb-quiz-restart', onclick: function () { startOver(widget); },
    }, ['Start over']));
    actions.appendChild(h('button', {
      type: 'button', className: 'sb-quiz-button sb-quiz-export', onclick: function () { exportResults(widget, status); },
    }, ['Export my results']));
    root.appendChild(actions);
    root.appendChild(status);
    return { root: root, focus: heading };
  }

  // ---------------------------------------------------------------- the widget

  function render(widget, moveFocus) {
    const body = widget.body;
    body.textContent = '';
    const view = widget.state.finished ? renderSummary(widget) : renderQuestion(widget);
    body.insertBefore(view.root, body.firstChild);
    if (moveFocus && view.focus) view.focus.focus();
  }

  /** The learner's name: remembered for every quiz, copied into each quiz's progress. */
  function onLearnerInput(widget, value) {
    const name = value.trim();
    store.set(LEARNER_KEY, name);
    widgets.forEach(function (other) {
      other.state.learner = name;
      save(other);
      if (other !== widget && other.learnerInput.value !== value) other.learnerInput.value = value;
    });
  }

  function buildShell(widget) {
    const titleId = uid('title');
    const learnerId = uid('learner');
    const learnerInput = h('input', { id: learnerId, type: 'text', className: 'sb-quiz-learner-input', autocomplete: 'name' });
    learnerInput.value = widget.state.learner || '';
    learnerInput.addEventListener('input', function () { onLearnerInput(widget, learnerInput.value); });
    const body = h('div', { className: 'sb-quiz-body' });
    const app = h('section', { className: 'sb-quiz-app', 'aria-labelledby': titleId }, [
      h('header', { className: 'sb-quiz-header' }, [
        h('h2', { className: 'sb-quiz-title', id: titleId }, [
          h('span', { className: 'sb-quiz-kicker' }, ['Quiz']), ' ', h('span', { text: widget.quiz.title }),
        ]),
        h('div', { className: 'sb-quiz-learner' }, [
          h('label', { for: learnerId, className: 'sb-quiz-label' }, ['Your name (optional)']),
          learnerInput,
        ]),
      ]),
      body,
    ]);
    widget.container.appendChild(app);
    widget.body = body;
    widget.learnerInput = learnerInput;
  }

  function showLoadError(container, message) {
    container.appendChild(h('p', { className: 'sb-quiz-error', role: 'alert' }, [message]));
  }

  /**
   * Older mdBook versions turn the Left/Right arrows into "previous/next chapter" even while
   * the focus is in a form field; keep those keys inside the quiz's fields.
   */
  function keepArrowKeys(event) {
    if ((event.key === 'ArrowLeft' || event.key === 'ArrowRight') &&
        /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.nodeName)) {
      event.stopPropagation();
    }
  }

  function initQuiz(container) {
    if (container.hasAttribute('data-sb-quiz-ready')) return;
    container.setAttribute('data-sb-quiz-ready', '');
    let quiz;
    try {
      quiz = readQuiz(container);
    } catch (err) {
      console.error('supportbook quiz: cannot read the quiz data', err);
      showLoadError(container, 'This quiz could not be loaded.');
      return;
    }
    if (!quiz.questions.length) {
      showLoadError(container, 'This quiz has no questions yet.');
      return;
    }
    removeStaleProgress(quiz);
    const widget = { container: container, quiz: quiz, key: storageKey(quiz), state: null };
    widget.state = loadState(quiz) || newState(quiz, loadLearner());
    if (!widget.state.learner && loadLearner()) widget.state.learner = loadLearner();
    save(widget);
    widgets.push(widget);
    buildShell(widget);
    container.addEventListener('keydown', keepArrowKeys);
    render(widget, false);
  }

  function initAll() {
    Array.from(document.querySelectorAll('.sb-quiz')).forEach(function (container) {
      try {
        initQuiz(container);
      } catch (err) {
        console.error('supportbook quiz: failed to start', err);
      }
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', initAll);
  else initAll();
})();
