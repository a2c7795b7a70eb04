package dev.vsim.scenarios.json;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A parsed JSON document: its tree and the position of everything in it.
 *
 * @param file the name used in error messages
 * @param root the document's root object
 * @param sources positions by JSON pointer
 */
public record SourceDocument(String file, ObjectNode root, SourceMap sources) {}
