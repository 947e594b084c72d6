/// <reference lib="dom" />
// Shared by the pipeline graph and sweep webviews (browser context).
import type { JobViewMessage, JobViewRequest } from '../job-views/job-view-messages';

declare function acquireVsCodeApi(): { postMessage(message: JobViewRequest): void };

const vscodeApi = acquireVsCodeApi();

export function request(message: JobViewRequest): void {
  vscodeApi.postMessage(message);
}

/** Calls `render` with each view the extension sends; shows errors in place of the view. */
export function onView<View extends { status: string }>(render: (view: View) => void): void {
  const statusElement = document.getElementById('status')!;
  const messageElement = document.getElementById('message')!;
  window.addEventListener('message', (event: MessageEvent<JobViewMessage<View>>) => {
    const message = event.data;
    if (message.type === 'error') {
      messageElement.textContent = message.message;
      messageElement.className = 'error';
      messageElement.hidden = false;
      return;
    }
    messageElement.hidden = true;
    statusElement.textContent = message.view.status;
    statusElement.dataset.status = message.view.status;
    render(message.view);
  });
  request({ type: 'ready' });
}

/** Enter and Space act like a click on focusable rows and nodes. */
export function activatable(element: Element, action: () => void): void {
  element.addEventListener('click', action);
  element.addEventListener('keydown', (event) => {
    const key = (event as KeyboardEvent).key;
    if (key === 'Enter' || key === ' ') (event.preventDefault(), action());
  });
}
