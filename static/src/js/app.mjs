// Start GOV.UK Frontend's components (buttons, banners, error summary focus…).
import { initAll } from "./govuk-frontend.min.js";

initAll();
