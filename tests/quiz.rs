//! Quizzes end to end: mdbook-quiz files load unchanged, every validation
//! error with its exact diagnostic, a piped terminal attempt recorded in a
//! real SQLite file, reports, xAPI export and idempotent import, stale
//! passes, and concurrent writers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, git, json, main_of, run_with_input, tree};
use std::io::Write as _;
use std::process::Stdio;

/// The number printed before `text` in a numbered list of choices.
fn number_of(stdout: &str, text: &str) -> String {
    stdout
        .lines()
        .rev()
        .find_map(|l| {
            l.trim()
                .strip_suffix(text)
                .and_then(|p| p.strip_suffix(") "))
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no choice {text:?} in:\n{stdout}"))
}

/// Answers listening.toml in the terminal: the first question right or wrong, the rest right.
fn take_listening(fx: &Fixture, learner: &str, first_right: bool) -> common::Output {
    let answers = listening_answers(fx, first_right, true);
    run_with_input(fx, &["quiz", "take", "listening", "--as", learner], answers)
}

/// The answers to the fixture's `listening` quiz, one a line: the first
/// question right or wrong, the order right, the scenario's best path or
/// (`best` false) a good reply then an upsell.
fn listening_answers(fx: &Fixture, first_right: bool, best: bool) -> String {
    // A dry run with empty input shows the choice numbers of the first question.
    let probe = run_with_input(fx, &["quiz", "take", "listening"], "");
    let first = if first_right {
        "Acknowledge the problem and ask for the bounce message"
    } else {
        "Send the standard troubleshooting template"
    };
    let n1 = number_of(&probe.stdout, first);
    // Ordering: read the shown order from a probe that answers question 1.
    let probe = run_with_input(fx, &["quiz", "take", "listening"], format!("{n1}\n"));
    let order: Vec<String> = ["Listen", "Acknowledge", "Solve"]
        .iter()
        .map(|s| number_of(&probe.stdout, s))
        .collect();
    let probe = run_with_input(
        fx,
        &["quiz", "take", "listening"],
        format!("{n1}\n{}\n", order.join(",")),
    );
    let s1 = number_of(
        &probe.stdout,
        "I'm sorry, that is a rough morning. Can you read me the bounce?",
    );
    let probe = run_with_input(
        fx,
        &["quiz", "take", "listening"],
        format!("{n1}\n{}\n{s1}\n", order.join(",")),
    );
    let s2 = number_of(
        &probe.stdout,
        if best {
            "That means your mail app is not logging in to send. Let's fix that setting together."
        } else {
            "Our premium plan would avoid this."
        },
    );
    format!("{n1}\n{}\n{s1}\n{s2}\n", order.join(","))
}

#[test]
fn mdbook_quiz_files_load_unchanged_and_embed() {
    let fx = Fixture::new("quiz");
    let out = fx.run(&["quiz", "list", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list = json(&out);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["listening", "mdbook-quiz"]);
    assert_eq!(list[1]["questions"], 5);
    assert_eq!(list[1]["passPercent"], 70);
    // prompt.answerIndex puts the answer at that place (0-based) in the terminal too.
    let probe = run_with_input(&fx, &["quiz", "take", "mdbook-quiz"], "");
    assert!(probe.stdout.contains("  3) MX\n"), "{}", probe.stdout);

    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = fx.read("book/training/listening.html");
    let main = main_of(&page);
    assert_eq!(main.matches("class=\"sb-quiz\"").count(), 2);
    assert!(main.contains("data-quiz-id=\"mdbook-quiz\""));
    // The quiz JSON is script-safe and carries the contract's fields.
    let start = main
        .find("<script type=\"application/json\" class=\"sb-quiz-data\">")
        .unwrap();
    let rest = &main[start..];
    let body = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    assert!(!body.contains('<'));
    let quiz: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(quiz["id"], "listening");
    assert_eq!(quiz["covers"][0]["url"], "../kb/mail-bounces.html");
    assert_eq!(
        quiz["questions"][0]["choices"][1]["feedback"],
        "<p>A pretty pasted template tells them you did not read their message.</p>"
            .replace("pretty ", "")
    );
    assert_eq!(quiz["questions"][2]["maxPoints"], 3);
    assert_eq!(quiz["questions"][2]["nodes"]["lost"]["outcome"], "bad");
    // The widget's script and styles reach the page; the Quizzes page lists both.
    assert!(page.contains("supportbook-quiz.js") && page.contains("supportbook-quiz.css"));
    assert!(fx.path("book/supportbook-quiz.js").is_file());
    let quizzes = fx.read("book/quizzes.html");
    assert!(
        main_of(&quizzes)
            .contains("<a href=\"training/listening.html#quiz-listening\">Listening</a>"),
        "{}",
        main_of(&quizzes)
    );
    assert!(main_of(&quizzes).contains("60%"));
    // The tool never writes into the trainer's quiz files.
    assert_eq!(
        fx.read("quizzes/mdbook-quiz.toml"),
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/quiz/quizzes/mdbook-quiz.toml"
        ))
        .unwrap()
    );
}

fn check_quiz(file: &str, text: &str, expected: &str) {
    let fx = Fixture::new("quiz");
    fx.write(file, text);
    let before = fx.snapshot("quizzes");
    let out = fx.run(&["check"]);
    assert_eq!(out.stderr, expected);
    assert_eq!(
        out.code,
        if expected.contains("\nerror") || expected.starts_with("error") {
            1
        } else {
            0
        }
    );
    assert_eq!(fx.snapshot("quizzes"), before);
}

#[test]
fn no_correct_answer() {
    check_quiz(
        "quizzes/bad.toml",
        "[[questions]]\nid = \"b1\"\ntype = \"MultipleChoice\"\nprompt.prompt = \"?\"\nprompt.distractors = [\"x\"]\n",
        "\
error: question `b1` has no correct answer
 --> quizzes/bad.toml:1:1
  |
1 | [[questions]]
  | ^^^^^^^^^^^^^
  = help: set answer.answer = \"...\" (or a list when several choices are right)

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn answer_also_a_distractor() {
    check_quiz(
        "quizzes/bad.toml",
        "[[questions]]\nid = \"b1\"\ntype = \"MultipleChoice\"\nprompt.prompt = \"?\"\nprompt.distractors = [\"x\", \"MX\"]\nanswer.answer = \"MX\"\n",
        "\
error: in question `b1`, the answer \"MX\" is also listed as a distractor
 --> quizzes/bad.toml:5:28
  |
5 | prompt.distractors = [\"x\", \"MX\"]
  |                            ^^^^
  = help: remove it from prompt.distractors

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn duplicate_question_id_across_the_book() {
    check_quiz(
        "quizzes/zz.toml",
        "[[questions]]\nid = \"ls-first\"\ntype = \"ShortAnswer\"\nprompt.prompt = \"?\"\nanswer.answer = \"a\"\n",
        "\
error: question id `ls-first` is already used in quizzes/listening.toml
 --> quizzes/zz.toml:2:7
  |
2 | id = \"ls-first\"
  |       ^^^^^^^^
  = help: question ids must be unique across the handbook: results are recorded by them

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
",
    );
}

#[test]
fn unknown_key_with_did_you_mean() {
    check_quiz(
        "quizzes/bad.toml",
        "[quiz]\npassPercnt = 80\n\n[[questions]]\nid = \"b1\"\ntype = \"ShortAnswer\"\nprompt.prompt = \"?\"\nanswer.answer = \"a\"\nanswer.alternative = [\"b\"]\n",
        "\
error: unknown key `passPercnt`
 --> quizzes/bad.toml:2:1
  |
2 | passPercnt = 80
  | ^^^^^^^^^^
  = help: did you mean `passPercent`?

error: unknown key `alternative`
 --> quizzes/bad.toml:9:8
  |
9 | answer.alternative = [\"b\"]
  |        ^^^^^^^^^^^
  = help: did you mean `alternatives`?

checked 2 pages and 2 articles: 2 errors, 0 warnings
error: stopped: 2 errors in the handbook
",
    );
}

const SCENARIO_HEAD: &str =
    "[[questions]]\nid = \"sc\"\ntype = \"Scenario\"\nprompt.prompt = \"?\"\n";

#[test]
fn scenario_next_naming_no_node_and_unreachable_node() {
    let text = format!(
        "{SCENARIO_HEAD}\n[[questions.nodes]]\nid = \"a\"\nsays = \"hi\"\n[[questions.nodes.choices]]\ntext = \"x\"\npoints = 1\nnext = \"resolvd\"\n\n[[questions.nodes]]\nid = \"resolved\"\noutcome = \"good\"\nsays = \"bye\"\n"
    );
    check_quiz(
        "quizzes/bad.toml",
        &text,
        "\
error: `next` names `resolvd`, but scenario `sc` has no such node
  --> quizzes/bad.toml:12:8
   |
12 | next = \"resolvd\"
   |        ^^^^^^^^^
   = help: did you mean `resolved`?

error: node `resolved` cannot be reached from `a`
  --> quizzes/bad.toml:15:6
   |
15 | id = \"resolved\"
   |      ^^^^^^^^^^
   = help: point a choice's `next` at it, or remove it

checked 2 pages and 2 articles: 2 errors, 0 warnings
error: stopped: 2 errors in the handbook
",
    );
}

#[test]
fn scenario_path_that_never_ends() {
    let text = format!(
        "{SCENARIO_HEAD}\n[[questions.nodes]]\nid = \"a\"\nsays = \"hi\"\n[[questions.nodes.choices]]\ntext = \"x\"\npoints = 1\nnext = \"b\"\n\n[[questions.nodes]]\nid = \"b\"\nsays = \"hm\"\n[[questions.nodes.choices]]\ntext = \"y\"\nnext = \"a\"\n[[questions.nodes.choices]]\ntext = \"z\"\nnext = \"c\"\n\n[[questions.nodes]]\nid = \"c\"\nsays = \"stuck\"\n"
    );
    check_quiz(
        "quizzes/bad.toml",
        &text,
        "\
error: scenario `sc` can loop forever: a -> b -> a
 --> quizzes/bad.toml:7:6
  |
7 | id = \"a\"
  |      ^^^
  = help: every path must reach an ending; break the loop

error: node `c` has no choices and is not an ending, so the conversation never ends there
  --> quizzes/bad.toml:25:6
   |
25 | id = \"c\"
   |      ^^^
   = help: add [[questions.nodes.choices]], or an `outcome` to make it an ending

checked 2 pages and 2 articles: 2 errors, 0 warnings
error: stopped: 2 errors in the handbook
",
    );
}

/// A scenario that loops does not hide the quiz's other problems: a
/// question id used twice (in the same file and in another), and the quiz
/// with errors still counts for `covers` and directives (no follow-on
/// errors).
#[test]
fn a_scenario_loop_does_not_hide_duplicate_question_ids() {
    let text = format!(
        "[quiz]\nid = \"loops\"\ncovers = [\"mail-bounces\"]\n\n{SCENARIO_HEAD}\n[[questions.nodes]]\nid = \"a\"\nsays = \"hi\"\n[[questions.nodes.choices]]\ntext = \"x\"\npoints = 1\nnext = \"b\"\n\n[[questions.nodes]]\nid = \"b\"\nsays = \"hm\"\n[[questions.nodes.choices]]\ntext = \"y\"\nnext = \"a\"\n\n[[questions]]\nid = \"ls-first\"\ntype = \"ShortAnswer\"\nprompt.prompt = \"?\"\nanswer.answer = \"a\"\n\n[[questions]]\nid = \"sc\"\ntype = \"ShortAnswer\"\nprompt.prompt = \"?\"\nanswer.answer = \"b\"\n"
    );
    let fx = Fixture::new("quiz");
    fx.write("quizzes/loops.toml", &text);
    let p = "content/training/listening.md";
    fx.write(p, fx.read(p) + "\n{{#quiz loops}}\n");
    let out = fx.run(&["check"]);
    assert_eq!(
        out.stderr,
        "\
error: scenario `sc` can loop forever: a -> b -> a
  --> quizzes/loops.toml:11:6
   |
11 | id = \"a\"
   |      ^^^
   = help: every path must reach an ending; break the loop

error: question id `ls-first` is already used in quizzes/listening.toml
  --> quizzes/loops.toml:26:7
   |
26 | id = \"ls-first\"
   |       ^^^^^^^^
   = help: question ids must be unique across the handbook: results are recorded by them

error: question id `sc` is already used in quizzes/loops.toml
  --> quizzes/loops.toml:32:7
   |
32 | id = \"sc\"
   |       ^^
   = help: question ids must be unique across the handbook: results are recorded by them

checked 2 pages and 2 articles: 3 errors, 0 warnings
error: stopped: 3 errors in the handbook
"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn covers_unknown_article_and_unknown_directive() {
    let fx = Fixture::new("quiz");
    fx.write(
        "quizzes/listening.toml",
        fx.read("quizzes/listening.toml")
            .replace("covers = [\"mail-bounces\"]", "covers = [\"mail-bounce\"]"),
    );
    let p = "content/training/listening.md";
    fx.write(p, fx.read(p) + "\n{{#quiz lisening}}\n");
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("error: `covers` names `mail-bounce`, but no article has that id\n --> quizzes/listening.toml:5:12\n"), "{}", out.stderr);
    assert!(out.stderr.contains("= help: did you mean `mail-bounces`?"));
    assert!(
        out.stderr.contains(
            "error: `{{#quiz lisening}}` names no quiz\n  --> content/training/listening.md:16:1\n"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `{{#quiz listening}}`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_question_ids_are_derived_with_a_warning() {
    check_quiz(
        "quizzes/noid.toml",
        "[[questions]]\ntype = \"ShortAnswer\"\nprompt.prompt = \"?\"\nanswer.answer = \"a\"\n",
        "\
warning: question 1 has no id; using `noid-q1`
 --> quizzes/noid.toml:1:1
  |
1 | [[questions]]
  | ^^^^^^^^^^^^^
  = help: add `id = \"...\"` so results stay attached to it when questions move

checked 2 pages and 2 articles: 0 errors, 1 warning
",
    );
}

#[test]
fn piped_terminal_attempt_is_recorded() {
    let fx = Fixture::new("quiz");
    let out = take_listening(&fx, "ana", true);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("Listening (3 questions, pass mark 60%)\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Question 3 of 3 [ls-call]\n"));
    assert!(
        out.stdout
            .contains("  Customer (phone, upset):\n    My mail has bounced all morning!\n")
    );
    assert!(
        out.stdout
            .contains("  Outcome: good. You earned 3 of 3 points.\n")
    );
    assert!(
        out.stdout
            .contains("Score: 100% (PASSED; the pass mark is 60%)\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("recorded ana's attempt in .supportbook/results.db")
    );
    assert!(fx.path(".supportbook/results.db").is_file());

    // A wrong first answer: its feedback, the right answer, and a lower score.
    let out = take_listening(&fx, "bo", false);
    assert!(out.stdout.contains("  \"Send the standard troubleshooting template\": A pasted template tells them you did not read their message.\nNot quite.\n  Right answer: Acknowledge the problem and ask for the bounce message\n"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("Score: 66% (PASSED; the pass mark is 60%)\nTo review:\n  1. A customer says their mail bounces. What do you do first?\nRead again:\n  - Outgoing mail bounces with 550 5.7.1 (content/kb/email/mail-bounces.md)\n"),
        "{}",
        out.stdout
    );

    // Input that ends early records nothing.
    let out = run_with_input(&fx, &["quiz", "take", "listening", "--as", "cy"], "1\n");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("the input ended before the quiz was finished; nothing was recorded")
    );
    let report = json(&fx.run(&["results", "report", "--format", "json"]));
    let learners: Vec<&str> = report["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["learner"].as_str().unwrap())
        .collect();
    assert_eq!(learners, ["ana", "bo"]);
}

/// Issue 13, item 16: in a terminal (its width from `COLUMNS` here), text
/// wraps to the width; a finished scenario states its score once; "To
/// review" names the missed questions by number and prompt, and the
/// articles to read again.
#[test]
fn terminal_session_wraps_and_names_what_to_review() {
    let fx = Fixture::new("quiz");
    let answers = listening_answers(&fx, false, false);
    let mut child = common::command(env!("CARGO_BIN_EXE_supportbook"), fx.root())
        .args(["quiz", "take", "listening", "--as", "ana"])
        .env("COLUMNS", "40")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    // Every line fits in 40 columns (an answer echoed after its prompt too).
    for line in stdout.lines() {
        assert!(line.chars().count() <= 40, "{line:?} in\n{stdout}");
    }
    assert!(
        stdout.contains(
            "  \"Send the standard troubleshooting\n  template\": A pasted template tells\n  them you did not read their message.\n"
        ),
        "{stdout}"
    );
    // The scenario's score is said once, by its ending.
    assert!(
        stdout.contains("  Outcome: bad. You earned 2 of 3\n  points.\n\nScore: "),
        "{stdout}"
    );
    assert_eq!(stdout.matches("You earned").count(), 1, "{stdout}");
    assert!(!stdout.contains("\n2 of 3 points."), "{stdout}");
    assert!(
        stdout.ends_with(
            "\
To review:
  1. A customer says their mail bounces.
     What do you do first?
  3. An upset customer calls.
Read again:
  - Outgoing mail bounces with 550 5.7.1
    (content/kb/email/mail-bounces.md)
"
        ),
        "{stdout}"
    );
}

#[test]
fn report_item_analysis_stale_passes_export_and_import() {
    let fx = Fixture::new("quiz");
    for (who, right) in [("ana", true), ("bo", false), ("cy", false)] {
        assert_eq!(take_listening(&fx, who, right).code, 0);
    }
    let report = json(&fx.run(&["results", "report", "--format", "json"]));
    let q = report["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["question_id"] == "ls-first")
        .unwrap();
    assert_eq!(
        (q["first_tries"].as_u64(), q["right_first_time"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(q["mostly_missed"], true);
    assert_eq!(
        q["wrong_choices"][0]["text"],
        "Send the standard troubleshooting template"
    );
    assert_eq!(q["wrong_choices"][0]["picks"], 2);
    assert_eq!(
        q["never_picked"],
        serde_json::json!(["Ask for their password"])
    );
    let status = |r: &serde_json::Value, who: &str| {
        r["learners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["learner"] == who)
            .unwrap()["quizzes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["quiz_id"] == "listening")
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status(&report, "ana"), "passed");
    let mdq = report["learners"][0]["quizzes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["quiz_id"] == "mdbook-quiz")
        .unwrap();
    assert_eq!(mdq["status"], "not-taken");

    // Text and HTML forms.
    let text = fx.run(&["results", "report"]).stdout;
    assert!(text.contains(" ! ls-first                       1/3   right first time (33%)  most people miss this\n"), "{text}");
    assert!(text.contains("      picked 2x: Send the standard troubleshooting template\n"));
    assert!(text.contains("      nobody picks: Ask for their password\n"));
    assert_eq!(
        fx.run(&["results", "report", "--format", "html", "--out", "r.html"])
            .code,
        0
    );
    let html = fx.read("r.html");
    assert!(
        html.contains("<svg")
            && !html.contains("<script")
            && html.contains("most people miss this")
    );

    // Export, then import into a fresh database: same attempts; twice adds nothing.
    let out = fx.run(&["results", "export", "--format", "xapi", "--out", "x.jsonl"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<serde_json::Value> = fx
        .read("x.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3 * 4);
    let result = lines
        .iter()
        .find(|s| s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed")
        .unwrap();
    assert_eq!(result["object"]["id"], "urn:supportbook:quiz:listening");
    assert_eq!(result["actor"]["account"]["homePage"], "urn:supportbook");
    let answered = lines
        .iter()
        .find(|s| s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered")
        .unwrap();
    assert!(
        answered["object"]["id"]
            .as_str()
            .unwrap()
            .starts_with("urn:supportbook:quiz:listening/question/")
    );
    assert!(
        answered["result"]["score"]["scaled"].is_number()
            && answered["result"]["response"].is_string()
    );

    let other = Fixture::new("quiz");
    std::fs::copy(fx.path("x.jsonl"), other.path("x.jsonl")).unwrap();
    let out = other.run(&["results", "import", "x.jsonl"]);
    assert_eq!(out.stderr, "imported 3 new attempts (0 already recorded)\n");
    let out = other.run(&["results", "import", "x.jsonl"]);
    assert_eq!(out.stderr, "imported 0 new attempts (3 already recorded)\n");
    let a = json(&fx.run(&["results", "report", "--format", "json"]));
    let b = json(&other.run(&["results", "report", "--format", "json"]));
    assert_eq!(a["questions"], b["questions"]);

    // A pass goes stale when the quiz changes, or an article it covers does.
    let covered = "content/kb/email/mail-bounces.md";
    fx.write(
        covered,
        fx.read(covered).replace(
            "Turn on SMTP authentication",
            "Turn on SMTP authentication (port 587)",
        ),
    );
    let r = json(&fx.run(&["results", "report", "--format", "json", "--learner", "ana"]));
    assert_eq!(status(&r, "ana"), "stale");
    let due = json(&fx.run(&["results", "due", "--format", "json"]));
    let due: Vec<String> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {} {}", d["learner"], d["quiz_id"], d["why"]))
        .collect();
    assert_eq!(
        due,
        [
            "\"ana\" \"listening\" \"an article the quiz covers changed since it was passed\"",
            "\"ana\" \"mdbook-quiz\" \"not taken yet\"",
            "\"bo\" \"listening\" \"an article the quiz covers changed since it was passed\"",
            "\"bo\" \"mdbook-quiz\" \"not taken yet\"",
            "\"cy\" \"listening\" \"an article the quiz covers changed since it was passed\"",
            "\"cy\" \"mdbook-quiz\" \"not taken yet\""
        ]
    );
    assert_eq!(
        fx.run(&["results", "due", "--learner", "ana"]).stdout,
        "ana              listening                    an article the quiz covers changed since it was passed\nana              mdbook-quiz                  not taken yet\n"
    );
    assert_eq!(r["learners"].as_array().unwrap().len(), 1);
    let other_q = "quizzes/listening.toml";
    other.write(
        other_q,
        other
            .read(other_q)
            .replace("Put the steps in order.", "Put these steps in order."),
    );
    assert_eq!(
        status(
            &json(&other.run(&["results", "report", "--format", "json"])),
            "ana"
        ),
        "stale"
    );
}

/// Issue 13, item 12: `results due` lists every quiz a learner has not
/// taken, and the roster (`learners.toml`) names learners who have taken
/// none; `check` reports a bad roster with its place.
#[test]
fn due_lists_quizzes_never_taken_for_every_learner_on_the_roster() {
    let fx = Fixture::new("quiz");
    assert_eq!(
        fx.run(&["results", "due"]).stdout,
        "nobody has a quiz to take or retake\n"
    );
    fx.write("learners.toml", "learners = [\"dee\", \"ana\"]\n");
    assert_eq!(take_listening(&fx, "ana", true).code, 0);
    assert_eq!(take_listening(&fx, "bo", false).code, 0);
    let out = fx.run(&["results", "due"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
ana              mdbook-quiz                  not taken yet
bo               mdbook-quiz                  not taken yet
dee              listening                    not taken yet
dee              mdbook-quiz                  not taken yet
"
    );
    let due = json(&fx.run(&["results", "due", "--format", "json", "--learner", "dee"]));
    assert_eq!(
        due,
        serde_json::json!([
            {"learner": "dee", "quiz_id": "listening", "title": "Listening", "status": "not-taken", "why": "not taken yet", "last_attempt": null},
            {"learner": "dee", "quiz_id": "mdbook-quiz", "title": "mdbook quiz", "status": "not-taken", "why": "not taken yet", "last_attempt": null}
        ])
    );
    // The report lists the roster's learners too.
    let report = json(&fx.run(&["results", "report", "--format", "json"]));
    let learners: Vec<&str> = report["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["learner"].as_str().unwrap())
        .collect();
    assert_eq!(learners, ["ana", "bo", "dee"]);

    fx.write("learners.toml", "learners = [\"dee\", \"dee\"]\n");
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "\
error: `dee` is listed twice
 --> learners.toml:1:20
  |
1 | learners = [\"dee\", \"dee\"]
  |                    ^^^^^

checked 2 pages and 2 articles: 1 error, 0 warnings
error: stopped: 1 error in the handbook
"
    );
    assert_eq!(fx.run(&["results", "due"]).code, 1);
}

#[test]
fn concurrent_writers_all_land() {
    let fx = Fixture::new("quiz");
    assert_eq!(take_listening(&fx, "warmup", true).code, 0);
    // Eight processes recording at once (each takes the quiz with piped input).
    let probe = take_listening(&fx, "probe", true);
    assert_eq!(probe.code, 0);
    let input = {
        // Rebuild the answers the probe used from its transcript: the echoed lines after each prompt.
        probe
            .stdout
            .lines()
            .filter_map(|l| l.split_once("): ").map(|(_, a)| a.to_string()))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut c = common::command(env!("CARGO_BIN_EXE_supportbook"), fx.root())
                .args(["quiz", "take", "listening", "--as", &format!("learner{i}")])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
            c
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let report = json(&fx.run(&["results", "report", "--format", "json"]));
    assert_eq!(report["learners"].as_array().unwrap().len(), 10);
    let q = report["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["question_id"] == "ls-first")
        .unwrap();
    assert_eq!(q["first_tries"], 10);
}

#[test]
fn attempts_at_unknown_quizzes_are_imported_with_a_warning_and_reported() {
    let fx = Fixture::new("quiz");
    assert_eq!(take_listening(&fx, "ana", true).code, 0);
    let out = fx.run(&["results", "export", "--format", "xapi", "--out", "x.jsonl"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The same attempt, as if taken on a quiz `retired-quiz` this handbook does not have.
    let other = Fixture::new("quiz");
    let text = fx.read("x.jsonl").replace(
        "urn:supportbook:quiz:listening",
        "urn:supportbook:quiz:retired-quiz",
    );
    other.write("x.jsonl", text);
    let out = other.run(&["results", "import", "x.jsonl"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "warning: 1 attempt is for quizzes this handbook does not have: `retired-quiz` (1); it is kept, and listed by `supportbook results report` as unknown\nimported 1 new attempt (0 already recorded)\n"
    );
    let text = other.run(&["results", "report"]).stdout;
    assert!(
        text.ends_with("\nUnknown quizzes (attempts kept, but this handbook has no quiz with the id)\n  retired-quiz: 1 attempt by ana\n"),
        "{text}"
    );
    let report = json(&other.run(&["results", "report", "--format", "json"]));
    assert_eq!(
        report["unknown_quizzes"],
        serde_json::json!([{"quiz_id": "retired-quiz", "attempts": 1, "learners": ["ana"]}])
    );
    other.run(&["results", "report", "--format", "html", "--out", "r.html"]);
    assert!(
        other
            .read("r.html")
            .contains("<li>retired-quiz: 1 attempt by ana</li>")
    );
    // A known quiz's attempts give no warning and no unknown section.
    let out = fx.run(&["results", "import", "x.jsonl"]);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    assert!(
        !fx.run(&["results", "report"])
            .stdout
            .contains("Unknown quizzes")
    );
}

#[test]
fn quiz_list_lists_the_good_quizzes_and_marks_the_broken() {
    let fx = Fixture::new("quiz");
    fx.write(
        "quizzes/broken.toml",
        "[quiz]\nid = \"broken\"\n\n[[questions]]\ntype = \"MultipleChoice\"\nprompt.prompt = \"x\"\nanswer.answer = 3\n",
    );
    // An error in an article is `check`'s business: noted, not fatal here.
    let article = "content/kb/dns/dns-propagation.md";
    fx.write(
        article,
        fx.read(article)
            .replacen("+++\n", "+++\nstate = \"publishd\"\n", 1),
    );
    let out = fx.run(&["quiz", "list"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
id                       questions  pass  title                                    covers
broken                           -     -  (could not be read)                       [1 error in quizzes/broken.toml]
listening                        3   60%  Listening                                mail-bounces
mdbook-quiz                      5   70%  mdbook quiz                              \n"
    );
    assert!(
        out.stderr.contains(" --> quizzes/broken.toml:7:17\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with(
            "note: 1 error in other files of the handbook; see `supportbook check`\nerror: 1 of 3 quizzes has errors (listed and marked; the others are fine)\n"
        ),
        "{}",
        out.stderr
    );
    let list = json(&fx.run(&["quiz", "list", "--json"]));
    let rows: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| format!("{} {} {}", q["path"], q["id"], q["errors"]))
        .collect();
    assert_eq!(
        rows,
        [
            "\"quizzes/broken.toml\" null 1",
            "\"quizzes/listening.toml\" \"listening\" 0",
            "\"quizzes/mdbook-quiz.toml\" \"mdbook-quiz\" 0"
        ]
    );
    fx.remove("quizzes/broken.toml");
    let out = fx.run(&["quiz", "list"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// A scenario that is one long chain: `n` nodes, one choice each worth a
/// point, then an ending.
fn chain(n: usize, points: i64) -> String {
    let mut s = String::from("[quiz]\nid = \"chain\"\n\n");
    s.push_str(SCENARIO_HEAD);
    for i in 0..n {
        s.push_str(&format!(
            "[[questions.nodes]]\nid = \"n{i}\"\nsays = \"s\"\n[[questions.nodes.choices]]\ntext = \"go\"\npoints = {points}\nnext = \"n{}\"\n",
            i + 1
        ));
    }
    s.push_str(&format!(
        "[[questions.nodes]]\nid = \"n{n}\"\noutcome = \"good\"\nsays = \"bye\"\n"
    ));
    s
}

#[test]
fn long_scenario_chain_checks_builds_and_takes_without_overflowing_the_stack() {
    let fx = Fixture::new("quiz");
    fx.write("quizzes/chain.toml", chain(20_000, 1));
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = fx.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The terminal walk: every step answered, the best score earned.
    fx.write("quizzes/chain.toml", chain(2_000, 1));
    let out = common::run_with_input(
        &fx,
        &["quiz", "take", "chain", "--as", "ana"],
        "1\n".repeat(2_000),
    );
    let stdout = &out.stdout;
    assert!(
        stdout.contains("You earned 2000 of 2000 points."),
        "{}",
        out.stderr
    );
}

#[test]
fn scenario_points_are_bounded() {
    let text = chain(2, i64::MAX / 2 + 1);
    let fx = Fixture::new("quiz");
    fx.write("quizzes/chain.toml", text);
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(
            "`points` must be a whole number from -1000000 to 1000000, found 4611686018427387904"
        ),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("no path that earns points"),
        "{}",
        out.stderr
    );
}

#[test]
fn one_commit_builds_the_same_bytes_in_two_clones_whatever_their_results() {
    // A handbook in git with a cycle tag; a learner passes a quiz in the
    // first clone; then the quiz changes, so that pass is stale there.
    let fx = Fixture::new("quiz");
    git(fx.root(), &["init", "-q", "-b", "main"]);
    fx.write(".gitignore", "/book/\n/.supportbook/\n");
    git(fx.root(), &["add", "-A"]);
    git(fx.root(), &["commit", "-q", "-m", "Start the handbook"]);
    let out = fx.run(&["cycle", "start", "2026-q4", "-m", "Q4"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = take_listening(&fx, "ana", true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fx.read("quizzes/listening.toml");
    fx.write(
        "quizzes/listening.toml",
        text.replacen(
            "What do you do first?",
            "What is the first thing you do?",
            1,
        ),
    );
    git(
        fx.root(),
        &["commit", "-q", "-am", "Reword the listening quiz"],
    );
    let due = fx.run(&["results", "due"]);
    assert!(due.stdout.contains("ana"), "{}", due.stdout);

    let other = tempfile::tempdir().unwrap();
    let clone = other.path().join("clone");
    git(
        other.path(),
        &["clone", "-q", fx.root().to_str().unwrap(), "clone"],
    );
    assert!(!clone.join(".supportbook").exists());
    for dir in [fx.root(), clone.as_path()] {
        let out = common::run_in(dir, &["build"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let (first, second) = (tree(&fx.path("book")), tree(&clone.join("book")));
    let differing: Vec<_> = first
        .keys()
        .chain(second.keys())
        .filter(|k| first.get(*k) != second.get(*k))
        .collect();
    assert!(differing.is_empty(), "{differing:?}");
    // The page still says a pass went stale, and where to see whose.
    let page = fx.read("book/whats-new.html");
    assert!(
        main_of(&page)
            .contains("from before this change are stale: <code>supportbook results due</code>"),
        "{}",
        main_of(&page)
    );
    assert!(!main_of(&page).contains("ana"));
}
