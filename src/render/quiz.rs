//! Quizzes in pages: the widget markup a `{{#quiz}}` directive becomes, the
//! JSON the browser widget (`assets/quiz.js`) reads, and the generated
//! "Quizzes" page.

use super::{article_out, html_url, relative_url};
use crate::core::markdown::{escape_attr, render_html};
use crate::pipeline::handbook::Handbook;
use crate::pipeline::quiz::{Kind, Quiz};
use serde_json::{Value, json};
use std::path::Path;

/// Site path (Markdown form) of the generated page that lists every quiz.
pub use crate::core::paths::QUIZZES_PAGE;

fn html(md: &str) -> String {
    render_html(md).trim().to_string()
}

fn opt_html(md: &Option<String>) -> Value {
    md.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map_or(Value::Null, |s| json!(html(s)))
}

/// The quiz as the widget's JSON contract describes it, for a page at
/// `page_out` (links to covered articles are relative to it).
pub fn quiz_json(quiz: &Quiz, handbook: &Handbook, page_out: &Path) -> Value {
    let dir = page_out.parent().unwrap_or(Path::new(""));
    let covers: Vec<Value> = quiz
        .covers
        .iter()
        .filter_map(|id| handbook.article(id))
        .map(|a| json!({"id": a.id, "title": a.title, "url": html_url(&relative_url(dir, &article_out(a)))}))
        .collect();
    let questions: Vec<Value> = quiz
        .questions
        .iter()
        .map(|q| {
            let mut prompt = html(&q.prompt);
            if let Some(ctx) = q.multipart.as_ref().and_then(|m| quiz.multipart.get(m)) {
                prompt = format!("{}\n{prompt}", html(ctx));
            }
            let mut v = json!({"id": q.id, "type": q.kind.name(), "prompt": prompt, "context": opt_html(&q.context)});
            let extra = match &q.kind {
                Kind::MultipleChoice { choices, multiple, sort_answers, answer_index } => json!({
                    "multiple": multiple,
                    "sortAnswers": sort_answers,
                    "answerIndex": answer_index,
                    "choices": choices.iter().map(|c| json!({"html": html(&c.text), "correct": c.correct, "feedback": opt_html(&c.feedback)})).collect::<Vec<_>>(),
                }),
                Kind::ShortAnswer { answers, long } => json!({"answers": answers, "response": if *long { "long" } else { "short" }}),
                Kind::Tracing { program, does_compile, stdout } => json!({"program": program, "doesCompile": does_compile, "stdout": stdout}),
                Kind::Ordering { items } => json!({"items": items.iter().map(|i| html(i)).collect::<Vec<_>>()}),
                Kind::Scenario { start, nodes, max_points, .. } => {
                    let nodes: serde_json::Map<String, Value> = nodes
                        .iter()
                        .map(|(id, n)| {
                            let mut node = serde_json::Map::new();
                            node.insert("says".into(), json!(html(&n.says)));
                            node.insert("channel".into(), json!(n.channel));
                            node.insert("mood".into(), json!(n.mood));
                            if let Some(o) = &n.outcome {
                                node.insert("outcome".into(), json!(o));
                            } else {
                                let choices: Vec<Value> = n
                                    .choices
                                    .iter()
                                    .map(|c| json!({"text": html(&c.text), "points": c.points, "feedback": opt_html(&c.feedback), "next": c.next}))
                                    .collect();
                                node.insert("choices".into(), json!(choices));
                            }
                            let node = Value::Object(node);
                            (id.clone(), node)
                        })
                        .collect();
                    json!({"start": start, "maxPoints": max_points, "nodes": nodes})
                }
            };
            if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
                v.extend(extra);
            }
            v
        })
        .collect();
    json!({
        "id": quiz.id,
        "title": quiz.title,
        "hash": quiz.hash,
        "passPercent": quiz.pass_percent,
        "shuffle": quiz.shuffle,
        "covers": covers,
        "questions": questions,
    })
}

/// JSON that is safe inside a `<script>` element: `<`, `>` and `&` escaped.
fn script_safe(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// What a `{{#quiz}}` directive becomes in a page.
pub fn widget(quiz: &Quiz, handbook: &Handbook, page_out: &Path) -> String {
    let id = escape_attr(&quiz.id);
    format!(
        "<div class=\"sb-quiz\" id=\"quiz-{id}\" data-quiz-id=\"{id}\">\n<script type=\"application/json\" class=\"sb-quiz-data\">{}</script>\n<noscript><p>This quiz needs JavaScript. You can also take it in a terminal: <code>supportbook quiz take {id}</code>.</p></noscript>\n</div>",
        script_safe(&quiz_json(quiz, handbook, page_out))
    )
}

/// The generated "Quizzes" page: every quiz, what it covers, its pass mark,
/// and where it is embedded.
pub fn quizzes_page(handbook: &Handbook, embedded_in: &[(String, String, String)]) -> String {
    let mut out =
        String::from("<h1 id=\"quizzes\"><a class=\"header\" href=\"#quizzes\">Quizzes</a></h1>\n");
    out.push_str(&format!(
        "<p class=\"sb-lead\">{} quizzes. Take them in the chapter that embeds them, or in a terminal with <code>supportbook quiz take ID</code>.</p>\n",
        handbook.quizzes.len()
    ));
    out.push_str("<table class=\"sb-quiz-list\">\n<thead><tr><th>Quiz</th><th>Questions</th><th>Pass mark</th><th>Covers</th></tr></thead>\n<tbody>\n");
    for q in &handbook.quizzes {
        let title = match embedded_in.iter().find(|(id, _, _)| *id == q.id) {
            Some((_, url, _)) => format!(
                "<a href=\"{}#quiz-{}\">{}</a>",
                escape_attr(url),
                escape_attr(&q.id),
                escape_attr(&q.title)
            ),
            None => escape_attr(&q.title),
        };
        let covers: Vec<String> = q
            .covers
            .iter()
            .filter_map(|id| handbook.article(id))
            .map(|a| {
                format!(
                    "<a href=\"{}\">{}</a>",
                    escape_attr(&html_url(&relative_url(Path::new(""), &article_out(a)))),
                    escape_attr(&a.title)
                )
            })
            .collect();
        out.push_str(&format!(
            "<tr><td>{title}<br><code>{}</code></td><td>{}</td><td>{}%</td><td>{}</td></tr>\n",
            escape_attr(&q.id),
            q.questions.len(),
            q.pass_percent,
            covers.join("<br>")
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}
