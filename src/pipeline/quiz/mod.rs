//! Quizzes: a superset of mdbook-quiz's TOML format (see docs/quiz-format.md
//! and README.md), read into raw types, then validated into [`Quiz`].

pub mod grade;
pub mod raw;

use crate::core::diagnostic::{Diagnostic, did_you_mean};
use raw::{RawAnswerValue, RawChoice, RawQuestion, RawQuizFile};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A validated quiz.
#[derive(Debug, Clone, Serialize)]
pub struct Quiz {
    pub id: String,
    pub title: String,
    pub pass_percent: u32,
    pub covers: Vec<String>,
    pub shuffle: bool,
    pub questions: Vec<Question>,
    /// mdbook-quiz's shared contexts, by name.
    pub multipart: BTreeMap<String, String>,
    /// Path relative to the root, for messages.
    pub path: PathBuf,
    /// blake3 of the file, hex (first 16 characters): a changed quiz resets
    /// progress in the browser and makes passes stale.
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    /// Markdown.
    pub prompt: String,
    /// Markdown shown after answering.
    pub context: Option<String>,
    pub multipart: Option<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub text: String,
    pub correct: bool,
    pub feedback: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum Kind {
    MultipleChoice {
        /// Correct choices first, then distractors, as written.
        choices: Vec<Choice>,
        /// More than one correct choice: all must be picked.
        multiple: bool,
        sort_answers: bool,
        answer_index: Option<usize>,
    },
    ShortAnswer {
        /// The answer, then its alternatives.
        answers: Vec<String>,
        long: bool,
    },
    Tracing {
        program: String,
        does_compile: bool,
        stdout: Option<String>,
    },
    Ordering {
        /// In the correct order.
        items: Vec<String>,
    },
    Scenario {
        start: String,
        /// Node ids in file order.
        order: Vec<String>,
        nodes: BTreeMap<String, Node>,
        max_points: i64,
    },
}

/// Indices of the correct choices, in order.
pub fn correct_indices(choices: &[Choice]) -> Vec<usize> {
    choices
        .iter()
        .enumerate()
        .filter(|(_, c)| c.correct)
        .map(|(i, _)| i)
        .collect()
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::MultipleChoice { .. } => "MultipleChoice",
            Kind::ShortAnswer { .. } => "ShortAnswer",
            Kind::Tracing { .. } => "Tracing",
            Kind::Ordering { .. } => "Ordering",
            Kind::Scenario { .. } => "Scenario",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub channel: Option<String>,
    pub mood: Option<String>,
    /// Markdown: what the customer says (or, for an ending, how it ends).
    pub says: String,
    pub choices: Vec<NodeChoice>,
    /// Set on endings: good | neutral | bad.
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeChoice {
    pub text: String,
    pub points: i64,
    pub feedback: Option<String>,
    pub next: String,
}

pub const TYPES: [&str; 5] = [
    "MultipleChoice",
    "ShortAnswer",
    "Tracing",
    "Ordering",
    "Scenario",
];
const OUTCOMES: [&str; 3] = ["good", "neutral", "bad"];
const CHANNELS: [&str; 4] = ["phone", "chat", "email", "social"];
const MOODS: [&str; 6] = ["angry", "upset", "worried", "neutral", "calm", "happy"];
/// The most points (either sign) one choice may give: sums along any path
/// then fit in an i64 by a wide margin.
pub const MAX_POINTS: i64 = 1_000_000;

/// One quiz file as read from disk.
#[derive(Debug, Clone)]
pub struct RawQuizSource {
    /// Relative to the root (`quizzes/outage.toml`).
    pub path: PathBuf,
    pub source: String,
}

struct Ctx<'a> {
    path: &'a Path,
    placer: crate::core::diagnostic::Placer<'a>,
    diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn error(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        msg: impl Into<String>,
        help: Option<String>,
    ) {
        self.push(Diagnostic::error(code, self.path, msg), span, help);
    }

    fn warning(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        msg: impl Into<String>,
        help: Option<String>,
    ) {
        self.push(Diagnostic::warning(code, self.path, msg), span, help);
    }

    /// Places `d` at `span` in the file, with its help, among the diagnostics.
    fn push(&mut self, d: Diagnostic, span: Range<usize>, help: Option<String>) {
        let mut d = self.placer.place(d, span);
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.diags.push(d);
    }
}

/// One quiz file as far as it could be read: the quiz (the questions that
/// could be checked), every question's id, and whether the file has errors.
/// A quiz with errors is not used, but its ids and `covers` still take part
/// in the checks across files, so one mistake does not hide another.
#[derive(Debug, Clone)]
pub struct QuizCheck {
    pub quiz: Quiz,
    /// Every question's id, those whose checks failed included, in order.
    pub question_ids: Vec<String>,
    pub has_errors: bool,
}

/// Validates one quiz file: the quiz, or `None` when it has errors (all of
/// them in `diags`). Cross-file checks (duplicate ids, `covers`) are in
/// [`check_all`].
pub fn validate(raw: &RawQuizSource, diags: &mut Vec<Diagnostic>) -> Option<Quiz> {
    check_file(raw, diags)
        .filter(|c| !c.has_errors)
        .map(|c| c.quiz)
}

/// Checks one quiz file, reporting every problem in it; `None` only when it
/// is not a quiz file at all (TOML that does not parse, a key of the wrong
/// type).
pub fn check_file(raw: &RawQuizSource, diags: &mut Vec<Diagnostic>) -> Option<QuizCheck> {
    let errors = |d: &[Diagnostic]| {
        d.iter()
            .filter(|d| d.severity == crate::core::diagnostic::Severity::Error)
            .count()
    };
    let before = errors(diags);
    let (file, ignored) = crate::core::toml_keys::from_str::<RawQuizFile>(&raw.source);
    raw::unknown_keys(&raw.path, &raw.source, &ignored, diags);
    let file = match file {
        Ok(f) => f,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "toml-syntax",
                    &raw.path,
                    format!("invalid quiz: {}", e.message().trim()),
                )
                .at(&raw.source, e.span().unwrap_or(0..0)),
            );
            return None;
        }
    };
    let mut cx = Ctx {
        path: &raw.path,
        placer: crate::core::diagnostic::Placer::new(&raw.source),
        diags,
    };
    let stem = raw
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = file.quiz.unwrap_or_default();
    let id = meta
        .id
        .as_ref()
        .map_or(stem.clone(), |s| s.get_ref().clone());
    if !crate::pipeline::validate::is_valid_id(&id) {
        let span = meta.id.as_ref().map_or(0..0, toml::Spanned::span);
        cx.error(
            "invalid-id",
            span,
            format!("`{id}` is not a valid quiz id"),
            Some("use lowercase letters, digits, `-` and `_`".into()),
        );
    }
    let pass_percent = match meta.pass_percent {
        Some(p) if *p.get_ref() > 100 => {
            cx.error(
                "invalid-value",
                p.span(),
                "`passPercent` must be between 0 and 100",
                None,
            );
            70
        }
        Some(p) => *p.get_ref(),
        None => 70,
    };
    if file.questions.is_empty() {
        cx.error(
            "empty-quiz",
            0..0,
            "the quiz has no questions",
            Some("add a [[questions]] table".into()),
        );
    }
    let mut questions = Vec::new();
    let mut question_ids = Vec::new();
    for (i, q) in file.questions.iter().enumerate() {
        let (qid, checked) = question(&mut cx, &id, i, q);
        question_ids.push(qid);
        questions.extend(checked);
    }
    let has_errors = errors(cx.diags) > before;
    let quiz = Quiz {
        title: meta.title.unwrap_or_else(|| stem.replace('-', " ")),
        id,
        pass_percent,
        covers: meta.covers.iter().map(|c| c.get_ref().clone()).collect(),
        shuffle: meta.shuffle.unwrap_or(false),
        questions,
        multipart: file.multipart.unwrap_or_default(),
        path: raw.path.clone(),
        hash: blake3::hash(raw.source.as_bytes())
            .to_hex()
            .chars()
            .take(16)
            .collect(),
    };
    Some(QuizCheck {
        quiz,
        question_ids,
        has_errors,
    })
}

fn choice_parts(c: &RawChoice) -> (String, Option<String>) {
    match c {
        RawChoice::Text(t) => (t.clone(), None),
        RawChoice::Table { text, feedback } => (text.clone(), feedback.clone()),
    }
}

/// Checks one question: its id (given or derived), and the question when
/// its checks passed far enough to build it.
fn question(
    cx: &mut Ctx<'_>,
    quiz_id: &str,
    index: usize,
    spanned: &toml::Spanned<RawQuestion>,
) -> (String, Option<Question>) {
    let span = spanned.span();
    let q = spanned.get_ref();
    let id = match &q.id {
        Some(id) => id.get_ref().clone(),
        None => {
            let derived = format!("{quiz_id}-q{}", index + 1);
            cx.warning(
                "derived-id",
                span.start..span.start + "[[questions]]".len(),
                format!("question {} has no id; using `{derived}`", index + 1),
                Some(
                    "add `id = \"...\"` so results stay attached to it when questions move".into(),
                ),
            );
            derived
        }
    };
    let checked = question_body(cx, &id, q, span);
    (id, checked)
}

/// Checks one question's prompt and answer by its type.
fn question_body(
    cx: &mut Ctx<'_>,
    id: &str,
    q: &RawQuestion,
    span: Range<usize>,
) -> Option<Question> {
    let id = id.to_string();
    let prompt_text = q
        .prompt
        .as_ref()
        .and_then(|p| p.prompt.clone())
        .unwrap_or_default();
    let ty = q.kind.get_ref().as_str();
    let kind = match ty {
        "MultipleChoice" => multiple_choice(cx, &id, q, span.clone()),
        "ShortAnswer" => short_answer(cx, &id, q, span.clone()),
        "Tracing" => tracing_question(cx, &id, q, span.clone())?,
        "Ordering" => ordering(cx, &id, q, span.clone()),
        "Scenario" => scenario(cx, &id, q, span.clone())?,
        other => {
            let help = match did_you_mean(other, TYPES) {
                Some(t) => format!("did you mean \"{t}\"?"),
                None => format!("expected one of: {}", TYPES.join(", ")),
            };
            cx.error(
                "invalid-value",
                q.kind.span(),
                format!("unknown question type \"{other}\""),
                Some(help),
            );
            return None;
        }
    };
    if prompt_text.trim().is_empty() && !matches!(kind, Kind::Tracing { .. }) {
        cx.error(
            "missing-prompt",
            span,
            format!("question `{id}` has no prompt.prompt"),
            None,
        );
    }
    Some(Question {
        id,
        prompt: prompt_text,
        context: q.context.clone(),
        multipart: q.multipart.clone(),
        kind,
    })
}

/// A MultipleChoice question: its answers (correct) and distractors, each once.
fn multiple_choice(cx: &mut Ctx<'_>, id: &str, q: &RawQuestion, span: Range<usize>) -> Kind {
    let mut choices = Vec::new();
    let answers: Vec<(String, Option<String>)> = match q
        .answer
        .as_ref()
        .and_then(|a| a.answer.as_ref())
        .map(toml::Spanned::get_ref)
    {
        Some(RawAnswerValue::One(c)) => vec![choice_parts(c)],
        Some(RawAnswerValue::Many(list)) => list.iter().map(choice_parts).collect(),
        None => Vec::new(),
    };
    if answers.is_empty() || answers.iter().any(|(t, _)| t.trim().is_empty()) {
        cx.error(
            "no-correct-answer",
            span.clone(),
            format!("question `{id}` has no correct answer"),
            Some("set answer.answer = \"...\" (or a list when several choices are right)".into()),
        );
    }
    let answer_texts: BTreeSet<String> =
        answers.iter().map(|(t, _)| t.trim().to_string()).collect();
    for (t, f) in &answers {
        choices.push(Choice {
            text: t.clone(),
            correct: true,
            feedback: f.clone(),
        });
    }
    let distractors = q
        .prompt
        .as_ref()
        .map(|p| p.distractors.as_slice())
        .unwrap_or(&[]);
    let mut seen = answer_texts.clone();
    for d in distractors {
        let (t, f) = choice_parts(d.get_ref());
        if answer_texts.contains(t.trim()) {
            cx.error(
                "answer-is-distractor",
                d.span(),
                format!(
                    "in question `{id}`, the answer \"{}\" is also listed as a distractor",
                    t.trim()
                ),
                Some("remove it from prompt.distractors".into()),
            );
        } else if !seen.insert(t.trim().to_string()) {
            cx.error(
                "duplicate-choice",
                d.span(),
                format!(
                    "in question `{id}`, the choice \"{}\" appears twice",
                    t.trim()
                ),
                None,
            );
        }
        choices.push(Choice {
            text: t,
            correct: false,
            feedback: f,
        });
    }
    let prompt = q.prompt.as_ref();
    Kind::MultipleChoice {
        multiple: answers.len() > 1,
        choices,
        sort_answers: prompt.and_then(|p| p.sort_answers).unwrap_or(false),
        answer_index: prompt.and_then(|p| p.answer_index),
    }
}

/// A ShortAnswer question: the answer and its alternatives.
fn short_answer(cx: &mut Ctx<'_>, id: &str, q: &RawQuestion, span: Range<usize>) -> Kind {
    let answer = q.answer.as_ref();
    let mut answers = Vec::new();
    if let Some(RawAnswerValue::One(c)) = answer
        .and_then(|a| a.answer.as_ref())
        .map(toml::Spanned::get_ref)
    {
        answers.push(choice_parts(c).0);
    }
    if answers.is_empty() {
        cx.error(
            "no-correct-answer",
            span.clone(),
            format!("question `{id}` has no correct answer"),
            Some("set answer.answer = \"...\"".into()),
        );
    }
    answers.extend(answer.map(|a| a.alternatives.clone()).unwrap_or_default());
    Kind::ShortAnswer {
        answers,
        long: q.prompt.as_ref().and_then(|p| p.response.as_deref()) == Some("long"),
    }
}

/// A Tracing question (mdbook-quiz's): the program, and whether it compiles.
fn tracing_question(
    cx: &mut Ctx<'_>,
    id: &str,
    q: &RawQuestion,
    span: Range<usize>,
) -> Option<Kind> {
    let program = q
        .prompt
        .as_ref()
        .and_then(|p| p.program.clone())
        .unwrap_or_default();
    if program.trim().is_empty() {
        cx.error(
            "missing-program",
            span.clone(),
            format!("tracing question `{id}` has no prompt.program"),
            None,
        );
    }
    let answer = q.answer.as_ref();
    let Some(does_compile) = answer.and_then(|a| a.does_compile) else {
        cx.error(
            "no-correct-answer",
            span.clone(),
            format!("tracing question `{id}` needs answer.doesCompile"),
            None,
        );
        return None;
    };
    Some(Kind::Tracing {
        program,
        does_compile,
        stdout: answer.and_then(|a| a.stdout.clone()),
    })
}

/// An Ordering question: at least two distinct steps, in order.
fn ordering(cx: &mut Ctx<'_>, id: &str, q: &RawQuestion, span: Range<usize>) -> Kind {
    let items = q
        .answer
        .as_ref()
        .map(|a| a.order.clone())
        .unwrap_or_default();
    if items.len() < 2 {
        cx.error(
            "no-correct-answer",
            span.clone(),
            format!("ordering question `{id}` needs at least two steps in answer.order"),
            None,
        );
    }
    let distinct: BTreeSet<&String> = items.iter().collect();
    if distinct.len() != items.len() {
        cx.error(
            "duplicate-choice",
            span.clone(),
            format!("ordering question `{id}` lists a step twice"),
            None,
        );
    }
    Kind::Ordering { items }
}

fn scenario(cx: &mut Ctx<'_>, id: &str, q: &RawQuestion, span: Range<usize>) -> Option<Kind> {
    if q.nodes.is_empty() {
        cx.error(
            "empty-scenario",
            span,
            format!("scenario `{id}` has no [[questions.nodes]]"),
            None,
        );
        return None;
    }
    let mut nodes = BTreeMap::new();
    let mut order = Vec::new();
    let mut spans: HashMap<String, Range<usize>> = HashMap::new();
    for n in &q.nodes {
        let raw = n.get_ref();
        let nid = raw.id.get_ref().clone();
        if spans.insert(nid.clone(), raw.id.span()).is_some() {
            cx.error(
                "duplicate-id",
                raw.id.span(),
                format!("scenario `{id}` has two nodes with the id `{nid}`"),
                None,
            );
            continue;
        }
        order.push(nid.clone());
        let node = scenario_node(cx, &nid, n);
        nodes.insert(nid, node);
    }
    let errors_before = cx.diags.len();
    check_nexts(cx, id, q, &nodes, &order);
    let start = q.start.as_ref().map_or_else(
        || order.first().cloned().unwrap_or_default(),
        |s| s.get_ref().clone(),
    );
    if !nodes.contains_key(&start) {
        let span = q.start.as_ref().map_or(span.clone(), toml::Spanned::span);
        cx.error(
            "unknown-node",
            span,
            format!("`start` names `{start}`, but scenario `{id}` has no such node"),
            None,
        );
        return None;
    }
    check_reachable(cx, &start, &nodes, &order, &spans, &span);
    // Cycles, and the best score (longest path by points in a DAG).
    match best(&start, &nodes) {
        Ok(max_points) => {
            // With a broken `next`, the best path is unknown: that error says enough.
            if max_points <= 0 && cx.diags.len() == errors_before {
                cx.error(
                    "no-points",
                    span,
                    format!("scenario `{id}` has no path that earns points"),
                    Some("give the good replies `points`".into()),
                );
            }
            Some(Kind::Scenario {
                start,
                order,
                nodes,
                max_points,
            })
        }
        Err(BestError::Overflow) => {
            cx.error(
                "invalid-value",
                span,
                format!("scenario `{id}` gives more points along one path than can be counted"),
                Some(format!(
                    "keep each choice's `points` between {} and {}",
                    -MAX_POINTS, MAX_POINTS
                )),
            );
            None
        }
        Err(BestError::Cycle(cycle)) => {
            let first = cycle.first().cloned().unwrap_or_default();
            cx.error(
                "scenario-cycle",
                spans.get(&first).cloned().unwrap_or(span),
                format!("scenario `{id}` can loop forever: {}", cycle.join(" -> ")),
                Some("every path must reach an ending; break the loop".into()),
            );
            None
        }
    }
}

/// One scenario node's own values (channel, mood, outcome, choices'
/// points), checked, as a [`Node`].
fn scenario_node(cx: &mut Ctx<'_>, nid: &str, n: &toml::Spanned<raw::RawNode>) -> Node {
    let raw = n.get_ref();
    for (value, allowed, key) in [
        (&raw.channel, &CHANNELS[..], "channel"),
        (&raw.mood, &MOODS[..], "mood"),
    ] {
        if let Some(v) = value
            && !allowed.contains(&v.get_ref().as_str())
        {
            cx.error(
                "invalid-value",
                v.span(),
                format!("unknown {key} \"{}\"", v.get_ref()),
                Some(format!("expected one of: {}", allowed.join(", "))),
            );
        }
    }
    if let Some(o) = &raw.outcome {
        if !OUTCOMES.contains(&o.get_ref().as_str()) {
            cx.error(
                "invalid-value",
                o.span(),
                format!("unknown outcome \"{}\"", o.get_ref()),
                Some(format!("expected one of: {}", OUTCOMES.join(", "))),
            );
        }
        if !raw.choices.is_empty() {
            cx.error(
                "ending-with-choices",
                n.span(),
                format!("node `{nid}` is an ending (it has an outcome) but also has choices"),
                Some("remove the choices, or the outcome".into()),
            );
        }
    } else if raw.choices.is_empty() {
        cx.error(
            "dead-end",
            raw.id.span(),
            format!("node `{nid}` has no choices and is not an ending, so the conversation never ends there"),
            Some("add [[questions.nodes.choices]], or an `outcome` to make it an ending".into()),
        );
    }
    for c in &raw.choices {
        if let Some(p) = c.get_ref().points
            && !(-MAX_POINTS..=MAX_POINTS).contains(&p)
        {
            cx.error(
                "invalid-value",
                c.span(),
                format!(
                    "`points` must be a whole number from {} to {MAX_POINTS}, found {p}",
                    -MAX_POINTS
                ),
                None,
            );
        }
    }
    Node {
        channel: raw.channel.as_ref().map(|c| c.get_ref().clone()),
        mood: raw.mood.as_ref().map(|m| m.get_ref().clone()),
        says: raw.says.clone().unwrap_or_default(),
        outcome: raw.outcome.as_ref().map(|o| o.get_ref().clone()),
        choices: raw
            .choices
            .iter()
            .map(|c| NodeChoice {
                text: c.get_ref().text.clone(),
                points: c.get_ref().points.unwrap_or(0),
                feedback: c.get_ref().feedback.clone(),
                next: c
                    .get_ref()
                    .next
                    .as_ref()
                    .map(|n| n.get_ref().clone())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// Every choice's `next` names a node of the scenario.
fn check_nexts(
    cx: &mut Ctx<'_>,
    id: &str,
    q: &RawQuestion,
    nodes: &BTreeMap<String, Node>,
    order: &[String],
) {
    for n in &q.nodes {
        for c in &n.get_ref().choices {
            match &c.get_ref().next {
                Some(next) if nodes.contains_key(next.get_ref()) => {}
                Some(next) => {
                    let help = did_you_mean(next.get_ref(), order.iter().map(String::as_str))
                        .map(|s| format!("did you mean `{s}`?"));
                    cx.error(
                        "unknown-node",
                        next.span(),
                        format!(
                            "`next` names `{}`, but scenario `{id}` has no such node",
                            next.get_ref()
                        ),
                        help,
                    );
                }
                None => cx.error(
                    "unknown-node",
                    c.span(),
                    "a choice needs `next`: the node the conversation goes to",
                    None,
                ),
            }
        }
    }
}

/// Every node can be reached from `start`.
fn check_reachable(
    cx: &mut Ctx<'_>,
    start: &str,
    nodes: &BTreeMap<String, Node>,
    order: &[String],
    spans: &HashMap<String, Range<usize>>,
    span: &Range<usize>,
) {
    let mut reached = BTreeSet::new();
    let mut stack = vec![start.to_string()];
    while let Some(n) = stack.pop() {
        if !reached.insert(n.clone()) {
            continue;
        }
        if let Some(node) = nodes.get(&n) {
            stack.extend(
                node.choices
                    .iter()
                    .map(|c| c.next.clone())
                    .filter(|x| nodes.contains_key(x)),
            );
        }
    }
    for nid in order {
        if !reached.contains(nid) {
            cx.error(
                "unreachable-node",
                spans.get(nid).cloned().unwrap_or(span.clone()),
                format!("node `{nid}` cannot be reached from `{start}`"),
                Some("point a choice's `next` at it, or remove it".into()),
            );
        }
    }
}

/// Why the best score could not be computed.
#[derive(Debug, PartialEq, Eq)]
enum BestError {
    /// A loop: the node ids along it, the first repeated at the end.
    Cycle(Vec<String>),
    /// The sum of points along some path does not fit in an i64.
    Overflow,
}

/// The most points any path from `start` can earn (the longest path by points
/// in a DAG); an error when a loop exists or the sum overflows.
///
/// Iterative (an explicit stack), so a chain of any length cannot overflow
/// the thread's stack; each node and each choice is visited once.
fn best(start: &str, nodes: &BTreeMap<String, Node>) -> Result<i64, BestError> {
    // Done nodes and their best score.
    let mut memo: HashMap<&str, i64> = HashMap::new();
    // Nodes on the current path, with their position in `stack`.
    let mut on_path: HashMap<&str, usize> = HashMap::new();
    // (node, its choices, the next choice to look at, the best so far).
    let mut stack: Vec<(&str, &[NodeChoice], usize, i64)> = Vec::new();
    let Some((root, root_node)) = nodes.get_key_value(start) else {
        return Ok(0);
    };
    on_path.insert(root.as_str(), 0);
    stack.push((root.as_str(), root_node.choices.as_slice(), 0, 0));
    let mut result = 0;
    while let Some(top) = stack.last_mut() {
        let (id, choices, next_choice, top_best) = *top;
        let Some(choice) = choices.get(next_choice) else {
            // Every choice seen: this node is done.
            stack.pop();
            on_path.remove(id);
            memo.insert(id, top_best);
            match stack.last_mut() {
                Some(parent) => {
                    // The parent's choice that led here is the one before its cursor.
                    let via = parent
                        .1
                        .get(parent.2.wrapping_sub(1))
                        .map_or(0, |c| c.points);
                    let v = via.checked_add(top_best).ok_or(BestError::Overflow)?;
                    parent.3 = parent.3.max(v);
                }
                None => result = top_best,
            }
            continue;
        };
        top.2 += 1;
        let Some((child, child_node)) = nodes.get_key_value(&choice.next) else {
            continue;
        };
        if let Some(v) = memo.get(child.as_str()) {
            let v = choice.points.checked_add(*v).ok_or(BestError::Overflow)?;
            top.3 = top.3.max(v);
            continue;
        }
        if let Some(&pos) = on_path.get(child.as_str()) {
            let mut cycle: Vec<String> = stack
                .get(pos..)
                .unwrap_or(&[])
                .iter()
                .map(|(n, ..)| (*n).to_string())
                .collect();
            cycle.push(child.clone());
            return Err(BestError::Cycle(cycle));
        }
        on_path.insert(child.as_str(), stack.len());
        stack.push((child.as_str(), child_node.choices.as_slice(), 0, 0));
    }
    Ok(result)
}

/// Checks across all quizzes, those with errors of their own included:
/// duplicate quiz and question ids, `covers` naming articles that do not
/// exist.
pub fn check_all(
    checks: &[QuizCheck],
    sources: &[RawQuizSource],
    article_ids: &BTreeSet<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    let source_of = |path: &Path| {
        sources
            .iter()
            .find(|s| s.path == path)
            .map_or("", |s| s.source.as_str())
    };
    let mut quiz_ids: HashMap<&str, &Path> = HashMap::new();
    let mut question_ids: HashMap<&str, &Path> = HashMap::new();
    for c in checks {
        let q = &c.quiz;
        let src = source_of(&q.path);
        if let Some(prev) = quiz_ids.insert(&q.id, &q.path) {
            diags.push(
                Diagnostic::error(
                    "duplicate-id",
                    &q.path,
                    format!(
                        "quiz id `{}` is already used by {}",
                        q.id,
                        crate::core::diagnostic::display_path(prev)
                    ),
                )
                .at(src, find(src, &format!("\"{}\"", q.id))),
            );
        }
        for question in &c.question_ids {
            if let Some(prev) = question_ids.insert(question, &q.path) {
                diags.push(
                    Diagnostic::error(
                        "duplicate-id",
                        &q.path,
                        format!("question id `{question}` is already used in {}", crate::core::diagnostic::display_path(prev)),
                    )
                    .at(src, find(src, &format!("\"{question}\"")))
                    .with_help("question ids must be unique across the handbook: results are recorded by them"),
                );
            }
        }
        for c in &q.covers {
            if !article_ids.contains(c.as_str()) {
                let mut d = Diagnostic::error(
                    "unknown-article",
                    &q.path,
                    format!("`covers` names `{c}`, but no article has that id"),
                )
                .at(src, find(src, &format!("\"{c}\"")));
                if let Some(s) = did_you_mean(c, article_ids.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                diags.push(d);
            }
        }
    }
}

/// The last span of `needle` in `text` (ids are written once; the last
/// occurrence is the one a duplicate check wants), or 0..0.
fn find(text: &str, needle: &str) -> Range<usize> {
    text.rfind(needle)
        .map_or(0..0, |i| i + 1..i + needle.len() - 1)
}

/// A `{{#quiz ARG}}` directive in a page: where it is and what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub span: Range<usize>,
    pub arg: String,
}

/// Finds the quiz directives in a page (outside code blocks and spans).
pub fn directives(text: &str) -> Vec<Directive> {
    use mdbook_markdown::pulldown_cmark::{Event, Parser};
    let mut code: Vec<Range<usize>> = Vec::new();
    for (event, range) in Parser::new(text).into_offset_iter() {
        if matches!(event, Event::Code(_))
            || matches!(
                event,
                Event::Start(mdbook_markdown::pulldown_cmark::Tag::CodeBlock(_))
            )
        {
            code.push(range);
        }
    }
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find("{{#quiz")) {
        let start = from + i;
        let Some(len) = text.get(start..).and_then(|t| t.find("}}")) else {
            break;
        };
        let end = start + len + 2;
        from = end;
        if code.iter().any(|c| c.start <= start && start < c.end) {
            continue;
        }
        let arg = text
            .get(start + "{{#quiz".len()..end - 2)
            .unwrap_or("")
            .trim()
            .to_string();
        out.push(Directive {
            span: start..end,
            arg,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[(i64, &str)])]) -> BTreeMap<String, Node> {
        edges
            .iter()
            .map(|(id, choices)| {
                let node = Node {
                    channel: None,
                    mood: None,
                    says: String::new(),
                    choices: choices
                        .iter()
                        .map(|(points, next)| NodeChoice {
                            text: String::new(),
                            points: *points,
                            feedback: None,
                            next: (*next).to_string(),
                        })
                        .collect(),
                    outcome: choices.is_empty().then(|| "good".to_string()),
                };
                ((*id).to_string(), node)
            })
            .collect()
    }

    #[test]
    fn best_takes_the_richest_branch_and_reports_loops_and_overflow() {
        let diamond = graph(&[
            ("a", &[(1, "b"), (5, "c")]),
            ("b", &[(1, "d")]),
            ("c", &[(-2, "d"), (0, "end")]),
            ("d", &[(4, "end")]),
            ("end", &[]),
        ]);
        assert_eq!(best("a", &diamond), Ok(7));
        let looped = graph(&[
            ("a", &[(1, "b")]),
            ("b", &[(0, "end"), (1, "a")]),
            ("end", &[]),
        ]);
        assert_eq!(
            best("a", &looped),
            Err(BestError::Cycle(vec!["a".into(), "b".into(), "a".into()]))
        );
        let huge = graph(&[
            ("a", &[(i64::MAX, "b")]),
            ("b", &[(i64::MAX, "end")]),
            ("end", &[]),
        ]);
        assert_eq!(best("a", &huge), Err(BestError::Overflow));
    }

    #[test]
    fn best_walks_a_chain_longer_than_any_stack() {
        let ids: Vec<String> = (0..=200_000).map(|i| format!("n{i}")).collect();
        let mut nodes = BTreeMap::new();
        for (i, id) in ids.iter().enumerate() {
            let choices = ids
                .get(i + 1)
                .map(|next| NodeChoice {
                    text: String::new(),
                    points: 1,
                    feedback: None,
                    next: next.clone(),
                })
                .into_iter()
                .collect();
            nodes.insert(
                id.clone(),
                Node {
                    channel: None,
                    mood: None,
                    says: String::new(),
                    choices,
                    outcome: None,
                },
            );
        }
        assert_eq!(best("n0", &nodes), Ok(200_000));
    }
}
