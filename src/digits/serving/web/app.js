// The drawing page: strokes on a canvas, answers from /api/predict or /api/read while drawing.
"use strict";

const pad = document.getElementById("pad");
const ctx = pad.getContext("2d");
const brush = document.getElementById("brush");
const strokes = [];          // each stroke: {width, points: [[x, y], ...]}
let current = null;
let lastImage = null;        // the Blob last sent for recognition (for corrections)
let lastAnswer = null;
let timer = null;
let inFlight = false, pending = false;
let generation = 0;          // bumped by Clear and Undo: answers to older drawings are dropped

function mode() { return document.querySelector("input[name=mode]:checked").value; }

function redraw() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  ctx.strokeStyle = "#000";
  ctx.lineCap = ctx.lineJoin = "round";
  for (const s of strokes) {
    ctx.lineWidth = s.width;
    ctx.beginPath();
    s.points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    if (s.points.length === 1) ctx.lineTo(s.points[0][0] + 0.1, s.points[0][1]);
    ctx.stroke();
  }
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
}

pad.addEventListener("pointerdown", (e) => {
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  if (!strokes.length) hidePreview();  // drawing replaces an opened image
  current = { width: Number(brush.value), points: [point(e)] };
  strokes.push(current);
  redraw();
  schedule();
});
pad.addEventListener("pointermove", (e) => {
  if (!current) return;
  e.preventDefault();
  current.points.push(point(e));
  redraw();
  schedule();
});
for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, () => { if (current) { current = null; schedule(); } });
}

document.getElementById("undo").onclick = () => { strokes.pop(); redraw(); if (strokes.length) { generation += 1; schedule(); } else reset(); };
document.getElementById("clear").onclick = () => { strokes.length = 0; redraw(); hidePreview(); reset(); };
for (const radio of document.querySelectorAll("input[name=mode]")) radio.onchange = () => { showMode(); if (lastImage) send(lastImage); };

// A number needs room: the canvas widens in number mode, and corrections are typed, not picked.
function showMode() {
  const reading = mode() === "read";
  const width = reading ? 560 : 280;
  if (pad.width !== width && !strokes.length) { pad.width = width; redraw(); }
  pad.style.width = pad.width > 280 ? "min(95vw, 640px)" : "";
  document.getElementById("labels").hidden = reading;
  document.getElementById("number-form").hidden = !reading;
  document.getElementById("wrong").textContent = reading ? "Wrong? It reads …" : "Wrong? It is a …";
}

function reset() {
  clearTimeout(timer);
  timer = null;
  pending = false;
  generation += 1;
  lastImage = lastAnswer = null;
  show({ digit: null, reason: "" });
}

// Live while drawing: ask at most every 150 ms (the canvas is captured when the timer fires, so the
// last stroke is always answered); one request in flight at a time, the newest waiting behind it.
function schedule() {
  if (timer) return;
  timer = setTimeout(() => { timer = null; pad.toBlob((blob) => send(blob), "image/png"); }, 150);
}

function hidePreview() {
  const preview = document.getElementById("preview");
  preview.hidden = true;
  preview.removeAttribute("src");
}

async function send(blob) {
  if (inFlight) { pending = blob; return; }
  inFlight = true;
  const asked = generation;
  lastImage = blob;
  try {
    const body = new FormData();
    body.append("file", blob, "drawing.png");
    const response = await fetch(`/api/${mode()}?inputs=true`, { method: "POST", body });
    const answer = await response.json();
    if (asked !== generation) return;  // the drawing changed under this request: a newer one is coming
    lastAnswer = answer;
    show(answer);
  } catch (err) {
    show({ digit: null, reason: "the server did not answer: " + err });
  } finally {
    inFlight = false;
    if (pending) { const next = pending; pending = false; send(next); }
  }
}

function show(answer) {
  const text = answer.error ? "!" : (mode() === "read" ? (answer.text || "–") : (answer.digit ?? "–"));
  document.getElementById("answer").textContent = strokes.length || lastImage ? text : "?";
  const confidence = answer.confidence ?? (answer.digits && answer.digits.length ? Math.min(...answer.digits.filter(Boolean).map((d) => d.confidence)) : null);
  document.getElementById("confidence").textContent = confidence == null ? "" : `${(100 * confidence).toFixed(1)} % sure`;
  document.getElementById("reason").textContent = answer.error || answer.reason || "";
  // One digit: the ten probabilities. A number: each character read, with how sure the reader is of it.
  const bars = document.getElementById("bars");
  bars.innerHTML = "";
  const shown = mode() === "read"
    ? (answer.digits || []).map((d) => (d ? [d.char, d.confidence] : ["\u2423", 0]))  // an empty box of a form field
    : (answer.probabilities || new Array(10).fill(0)).map((p, d) => [String(d), p]);
  bars.style.gridTemplateColumns = `repeat(${Math.max(shown.length, 1)}, minmax(0, 3em))`;
  for (const [label, p] of shown) {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.innerHTML = `<div style="height:${Math.max(1, 70 * p)}px" title="${(100 * p).toFixed(1)} %"></div><span>${label}</span>`;
    bars.appendChild(bar);
  }
  const inputs = document.getElementById("inputs");
  inputs.innerHTML = "";
  for (const url of answer.inputs || []) {
    const img = document.createElement("img");
    img.src = url;
    img.alt = mode() === "read" ? "a line as the reader saw it" : "28x28 model input";
    inputs.appendChild(img);
  }
  document.getElementById("thanks").textContent = "";
}

// Files: chooser, drag-and-drop and paste all go through the same path as the CLI.
function useFile(file) {
  if (!file) return;
  strokes.length = 0;
  redraw();
  const preview = document.getElementById("preview");
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  send(file);
}
document.getElementById("file").onchange = (e) => useFile(e.target.files[0]);
const drop = document.getElementById("drop");
for (const target of [drop, pad]) {
  target.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  target.addEventListener("dragleave", () => drop.classList.remove("over"));
  target.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); useFile(e.dataTransfer.files[0]); });
}
document.addEventListener("paste", (e) => {
  const item = [...e.clipboardData.items].find((i) => i.type.startsWith("image/"));
  if (item) useFile(item.getAsFile());
});

// Corrections: store the image with the right label.
const labels = document.getElementById("labels");
for (let d = 0; d <= 9; d++) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = d;
  button.dataset.label = d;
  button.onclick = () => correct(d);
  labels.appendChild(button);
}

async function correct(label) {
  const thanks = document.getElementById("thanks");
  if (!lastImage) { thanks.textContent = "Draw or open a digit first."; return; }
  const body = new FormData();
  body.append("file", lastImage, "digit.png");
  body.append("label", String(label));
  if (lastAnswer && Number.isInteger(lastAnswer.digit)) body.append("predicted", String(lastAnswer.digit));
  await store(body, `a ${label}`);
}

// A corrected number is stored as the string it is (with the line image), never as one digit.
document.getElementById("number-form").onsubmit = async (e) => {
  e.preventDefault();
  const text = document.getElementById("number-text").value.trim().replace(/\r\n/g, "\n");
  const thanks = document.getElementById("thanks");
  if (!lastImage) { thanks.textContent = "Write or open a number first."; return; }
  if (!/^[0-9.,-]+(\n[0-9.,-]+)*$/.test(text)) { thanks.textContent = "Type the number with 0-9 . , - only, one line per line of writing."; return; }
  const body = new FormData();
  body.append("file", lastImage, "number.png");
  body.append("text", text);
  await store(body, `"${text}"`);
};

async function store(body, what) {
  const thanks = document.getElementById("thanks");
  const response = await fetch("/api/feedback", { method: "POST", body });
  const result = await response.json();
  thanks.textContent = response.ok ? `Thanks: stored as ${what} (#${result.id}).` : `Not stored: ${result.error}`;
}

showMode();
redraw();
