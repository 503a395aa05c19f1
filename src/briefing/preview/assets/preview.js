// The preview page: reads /state.json and updates itself in place on each server-sent
// "update" event (no reload, so the scroll position and this page's state survive).
"use strict";

const preview = (window.briefingPreview = {
  loadedAt: Date.now(), // set once per page load: a test checks it survives updates
  version: null,
  renderId: null,
  updates: 0,
  chapter: 0,
});

const $ = (id) => document.getElementById(id);

function element(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function showError(error) {
  const box = $("error");
  box.hidden = !error;
  if (!error) return;
  $("error-location").textContent = error.location ? error.location + ":" : "";
  $("error-message").textContent = error.message;
  $("error-hint").textContent = error.hint ? "Hint: " + error.hint : "";
}

function showPages(render) {
  const pages = $("pages");
  render.pages.forEach((page, index) => {
    let figure = pages.children[index];
    if (!figure) {
      figure = element("figure", { class: "page", id: "page-" + (index + 1) });
      figure.append(
        element("img", { alt: "Page " + (index + 1) }),
        element("span", { class: "number", "aria-hidden": "true" }, String(index + 1)),
        element("div", { class: "text-layer" }),
      );
      pages.append(figure);
    }
    const img = figure.querySelector("img");
    img.width = page.width;
    img.height = page.height;
    if (img.getAttribute("src") !== page.url) img.setAttribute("src", page.url);
    figure.querySelector(".text-layer").textContent = page.text;
  });
  while (pages.children.length > render.pages.length) pages.lastElementChild.remove();
}

function showOutline(render) {
  const list = $("outline").querySelector("ol");
  list.replaceChildren(
    ...render.outline.map((heading) => {
      const item = element("li", { class: "level-" + Math.min(heading.level, 6) });
      const link = element("a", { href: heading.page ? "#page-" + heading.page : "#" });
      link.textContent = heading.title;
      item.append(link);
      return item;
    }),
  );
}

function showChapters(render) {
  const list = $("chapters").querySelector("ol");
  preview.chapter = Math.min(preview.chapter, Math.max(render.chapters.length - 1, 0));
  list.replaceChildren(
    ...render.chapters.map((chapter, index) => {
      const item = element("li");
      const link = element("a", { href: "#" }, chapter.title);
      if (index === preview.chapter) link.setAttribute("aria-current", "page");
      link.addEventListener("click", (event) => {
        event.preventDefault();
        preview.chapter = index;
        showChapters(render);
      });
      item.append(link);
      return item;
    }),
  );
  const chapter = render.chapters[preview.chapter];
  const frame = $("chapter");
  if (chapter && frame.getAttribute("src") !== chapter.url) {
    let scroll = 0;
    try {
      scroll = frame.contentWindow.scrollY;
    } catch (e) {
      scroll = 0;
    }
    frame.onload = () => frame.contentWindow.scrollTo(0, scroll);
    frame.setAttribute("src", chapter.url);
  }
}

function showWarnings(render) {
  const list = $("warnings");
  list.replaceChildren(...render.warnings.map((text) => element("li", {}, "warning: " + text)));
  list.hidden = render.warnings.length === 0;
}

async function refresh() {
  const response = await fetch("/state.json", { cache: "no-store" });
  const state = await response.json();
  if (preview.version !== null && state.version <= preview.version) return;
  preview.version = state.version;
  showError(state.error);
  const render = state.render;
  if (render && render.id !== preview.renderId) {
    preview.renderId = render.id;
    document.title = render.title + " — briefing preview";
    $("doc-title").textContent = render.title;
    showPages(render);
    showOutline(render);
    showChapters(render);
    showWarnings(render);
  }
  preview.updates += 1;
  $("status").textContent = state.error
    ? "error: last good render shown"
    : render
      ? "rendered in " + render.seconds.toFixed(2) + " s"
      : "";
}

function select(tab) {
  for (const name of ["pdf", "epub"]) {
    $("tab-" + name).setAttribute("aria-selected", String(name === tab));
    $(name + "-view").hidden = name !== tab;
  }
}

$("tab-pdf").addEventListener("click", () => select("pdf"));
$("tab-epub").addEventListener("click", () => select("epub"));

const events = new EventSource("/events");
events.addEventListener("update", (event) => {
  if (Number(event.data) !== preview.version) refresh().catch(() => {});
});
events.onerror = () => {
  $("status").textContent = "disconnected: is briefing preview still running?";
};
refresh().catch(() => {});
