/** The Java snippets of README.md and docs/, compiled so that they cannot rot. */
package io.github.dl4jsparse.docs;
