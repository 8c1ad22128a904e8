"use strict";
// The console's one script: it follows the event log and swaps in a thread's messages when
// they change, by asking the console every second (the page works without it too).

const EVERY_MS = 1000;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function cell(text, code) {
  const td = document.createElement("td");
  const holder = code ? td.appendChild(document.createElement("code")) : td;
  holder.textContent = text;
  return td;
}

async function followEvents(table) {
  const body = table.tBodies[0];
  let cursor = table.dataset.cursor;
  for (;;) {
    await sleep(EVERY_MS);
    try {
      const answer = await fetch(`${table.dataset.source}?after=${encodeURIComponent(cursor)}`);
      if (!answer.ok) continue;
      const page = await answer.json();
      for (const event of page.events) {
        const row = document.createElement("tr");
        row.className = "new";
        row.append(
          cell(String(event.seq)),
          cell(event.created_at),
          cell(event.type),
          cell(event.subject_id, true),
          cell(event.payload, true),
        );
        row.cells[2].className = "type";
        body.prepend(row);
      }
      cursor = page.cursor;
    } catch {
      // The platform is stopping or restarting: ask again.
    }
  }
}

async function followThread(section) {
  for (;;) {
    await sleep(EVERY_MS);
    try {
      const answer = await fetch(section.dataset.source);
      if (!answer.ok) continue;
      const parsed = document.createElement("template");
      parsed.innerHTML = await answer.text();
      const next = parsed.content.querySelector("#messages");
      if (next && next.dataset.version !== section.dataset.version) {
        section.replaceWith(next);
        section = next;
      }
    } catch {
      // As above.
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const events = document.getElementById("events");
  if (events) followEvents(events);
  const messages = document.getElementById("messages");
  if (messages) followThread(messages);
});
