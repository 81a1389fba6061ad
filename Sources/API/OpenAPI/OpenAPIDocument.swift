/// The OpenAPI 3.1 description of the recorder's HTTP API, served at `/openapi.yaml`. Kept as a
/// literal (not a bundle resource) so the executable is one file. `OpenAPIDocumentTests` checks
/// that it lists exactly the routes of `RecorderEndpoint`.
public enum OpenAPIDocument {
    public static let yaml = """
    openapi: 3.1.0
    info:
      title: calltap recorder API
      version: 1.0.0
      description: >-
        Control and inspection of the calltap passive call recorder. Property names in request bodies
        and query parameters are matched case-insensitively; responses use PascalCase names.
        Errors answer {"Code", "Message"}.
    servers:
      - url: /
    security:
      - apiKey: []
    paths:
      /api/Agent:
        get:
          operationId: getAgent
          summary: One agent's state
          tags: [Agent]
          parameters:
            - name: agentIdentifier
              in: query
              required: true
              description: Which property Value names (case-insensitive).
              schema:
                $ref: '#/components/schemas/AgentIdentifier'
            - name: value
              in: query
              required: true
              schema:
                type: string
          responses:
            '200':
              description: The agent's state.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '404':
              $ref: '#/components/responses/NotFound'
      /api/Agent/GetAll:
        get:
          operationId: getAllAgents
          summary: Every agent's state, in id order
          tags: [Agent]
          responses:
            '200':
              description: All agents (an empty array if none).
              content:
                application/json:
                  schema:
                    type: array
                    items:
                      $ref: '#/components/schemas/AgentState'
            '401':
              $ref: '#/components/responses/Unauthorized'
      /api/Record/StartForAgent:
        post:
          operationId: recordStartForAgent
          summary: Start recording the agent's active call
          description: Starts recording the agent's active call from now. Starting what already records answers 200 and changes nothing.
          tags: [Record]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/StartCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Record/StopForAgent:
        post:
          operationId: recordStopForAgent
          summary: Stop the primary recording
          description: Stops the primary recording of the active call; the file is closed and its sidecar written.
          tags: [Record]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/AgentCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Record/UpdateForAgent:
        post:
          operationId: recordUpdateForAgent
          summary: Merge call metadata
          description: Merges CallMetadata into the active call's metadata and into every recording of it.
          tags: [Record]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/UpdateCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Record/StartDuplicateForAgent:
        post:
          operationId: recordStartDuplicateForAgent
          summary: Start a duplicate recording
          description: Starts an extra, independent recording (IsDuplicate true) of the call named by CallIdentifier, else of the active call.
          tags: [Record]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/DuplicateCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Record/StopDuplicateForAgent:
        post:
          operationId: recordStopDuplicateForAgent
          summary: Stop duplicate recordings
          description: Stops the duplicate(s) of the call named by CallIdentifier (else the active call), never the primary.
          tags: [Record]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/DuplicateCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Record/PauseForAgent:
        post:
          operationId: recordPauseForAgent
          summary: Pause the agent's recordings
          description: Silences the agent's recordings of the active call, keeping the timeline; the interval goes to the sidecar's Pauses.
          tags: [Record]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/AgentCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Record/ResumeForAgent:
        post:
          operationId: recordResumeForAgent
          summary: Resume the agent's recordings
          description: Resumes the agent's paused recordings of the active call.
          tags: [Record]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/AgentCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/ScreenRecord/StartForAgent:
        post:
          operationId: screenRecordStartForAgent
          summary: Start a screen recording
          description: Creates a screen recording linked to the active call, or with no call a desktop-only session.
          tags: [ScreenRecord]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/StartCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/ScreenRecord/UpdateForAgent:
        post:
          operationId: screenRecordUpdateForAgent
          summary: Merge screen recording metadata
          description: Merges CallMetadata into the agent's screen recording.
          tags: [ScreenRecord]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ScreenUpdateCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/ScreenRecord/StopForAgent:
        post:
          operationId: screenRecordStopForAgent
          summary: Stop a screen recording
          description: Ends the agent's screen recording.
          tags: [ScreenRecord]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ScreenStopCommand'
          responses:
            '200':
              description: The agent's state after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Blackout/StartForAgent:
        post:
          operationId: blackoutStartForAgent
          summary: Start the agent's blackout
          description: Every recording involving the agent is silence from the start time on (at most the media commit delay in the past; an earlier start is clamped).
          tags: [Blackout]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/BlackoutStartCommand'
          responses:
            '200':
              description: The agent's state after the command, with Applied.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Blackout/StopForAgent:
        post:
          operationId: blackoutStopForAgent
          summary: Stop the agent's blackout
          description: Ends the blackout at the stop time; a stop time before the start is 400.
          tags: [Blackout]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/BlackoutStopCommand'
          responses:
            '200':
              description: The agent's state after the command, with Applied.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/AgentState'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/F2F/Service:
        get:
          operationId: faceToFaceService
          summary: Whether the Face-to-Face service takes commands
          tags: [FaceToFace]
          responses:
            '200':
              description: The service takes commands.
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      Message:
                        type: string
                        example: OK
            '401':
              $ref: '#/components/responses/Unauthorized'
            '503':
              description: Capture is not running.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/Error'
      /api/F2F/Application:
        get:
          operationId: faceToFaceApplication
          summary: Whether this server records face-to-face now
          description: Error (with Detail) when capture or storage does not work; Recording while a face-to-face recording is active or paused.
          tags: [FaceToFace]
          responses:
            '200':
              description: The application's state.
              content:
                application/json:
                  schema:
                    type: object
                    required: [State, Detail]
                    properties:
                      State:
                        type: string
                        enum: [Recording, NotRecording, Error]
                      Detail:
                        type: string
            '401':
              $ref: '#/components/responses/Unauthorized'
      /api/F2F/Recordings:
        post:
          operationId: faceToFaceStart
          summary: Start a face-to-face recording
          description: >-
            Records the RTP the desk application sends to the declared addresses (and, with Media Screen or
            Both, opens a desktop-only screen session). 409 while the agent has one Active or Paused; one in
            WrapUp does not block.
          tags: [FaceToFace]
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/FaceToFaceStartCommand'
          responses:
            '201':
              description: Created; Location names it.
              headers:
                Location:
                  schema:
                    type: string
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/FaceToFaceRecording'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '409':
              $ref: '#/components/responses/Conflict'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/F2F/Recordings/Current:
        get:
          operationId: faceToFaceCurrent
          summary: The agent's current face-to-face recording
          tags: [FaceToFace]
          parameters:
            - name: agentIdentifier
              in: query
              required: true
              schema:
                $ref: '#/components/schemas/AgentIdentifier'
            - name: value
              in: query
              required: true
              schema:
                type: string
          responses:
            '200':
              description: The recording.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/FaceToFaceRecording'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '404':
              $ref: '#/components/responses/NotFound'
      /api/F2F/Recordings/{id}:
        get:
          operationId: faceToFaceRecording
          summary: A face-to-face recording
          tags: [FaceToFace]
          parameters:
            - $ref: '#/components/parameters/FaceToFaceId'
          responses:
            '200':
              description: The recording.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/FaceToFaceRecording'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '404':
              $ref: '#/components/responses/NotFound'
      /api/F2F/Recordings/{id}/Start:
        post:
          operationId: faceToFaceStartMedia
          summary: Start a medium of an open face-to-face recording
          description: Starts the media named in Media that do not run (the screen, or the audio with Streams, else the streams the recording declared); a medium that runs is left as it is. 409 in WrapUp or once Closed.
          tags: [FaceToFace]
          parameters:
            - $ref: '#/components/parameters/FaceToFaceId'
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/FaceToFaceSteerCommand'
          responses:
            '200':
              description: The recording after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/FaceToFaceRecording'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '409':
              $ref: '#/components/responses/Conflict'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
            '503':
              $ref: '#/components/responses/Unavailable'
      /api/F2F/Recordings/{id}/Stop:
        post:
          operationId: faceToFaceStop
          summary: Stop a face-to-face recording
          description: Stops the media named in Media (absent, all); once no medium runs, the recording moves to WrapUp for f2f.wrapUpSeconds, then Closed. During WrapUp it answers 200 and changes nothing.
          tags: [FaceToFace]
          parameters:
            - $ref: '#/components/parameters/FaceToFaceId'
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/FaceToFaceSteerCommand'
          responses:
            '200':
              description: The recording after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/FaceToFaceRecording'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '409':
              $ref: '#/components/responses/Conflict'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/F2F/Recordings/{id}/Pause:
        post:
          operationId: faceToFacePause
          summary: Pause a face-to-face recording
          description: Pauses the media named in Media (absent, all it runs); paused audio is silence and its timeline goes on. 409 when none of them is active.
          tags: [FaceToFace]
          parameters:
            - $ref: '#/components/parameters/FaceToFaceId'
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/FaceToFaceSteerCommand'
          responses:
            '200':
              description: The recording after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/FaceToFaceRecording'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '409':
              $ref: '#/components/responses/Conflict'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/F2F/Recordings/{id}/Resume:
        post:
          operationId: faceToFaceResume
          summary: Resume a face-to-face recording
          description: Resumes the media named in Media (absent, all it runs). 409 when none of them is paused.
          tags: [FaceToFace]
          parameters:
            - $ref: '#/components/parameters/FaceToFaceId'
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/FaceToFaceSteerCommand'
          responses:
            '200':
              description: The recording after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/FaceToFaceRecording'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '409':
              $ref: '#/components/responses/Conflict'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/F2F/Recordings/{id}/Tags:
        post:
          operationId: faceToFaceTags
          summary: Tag a face-to-face recording
          description: Merged per key; written into the sidecar (Tags, TaggedBy) when the recording closes. 409 once Closed, and not applied.
          tags: [FaceToFace]
          parameters:
            - $ref: '#/components/parameters/FaceToFaceId'
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/FaceToFaceTagsCommand'
          responses:
            '200':
              description: The recording after the command.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/FaceToFaceRecording'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '403':
              $ref: '#/components/responses/Forbidden'
            '404':
              $ref: '#/components/responses/NotFound'
            '409':
              $ref: '#/components/responses/Conflict'
            '413':
              $ref: '#/components/responses/PayloadTooLarge'
      /api/Recordings:
        get:
          operationId: listRecordings
          summary: Recordings, newest first, paged
          tags: [Recordings]
          description: >-
            Unknown query parameters are refused with 400. The agent is named by agentId, or as
            elsewhere by agentIdentifier and value (404 when no agent has it).
          parameters:
            - name: agentId
              in: query
              schema:
                type: integer
            - name: agentIdentifier
              in: query
              description: Which property value names (case-insensitive); with value.
              schema:
                $ref: '#/components/schemas/AgentIdentifier'
            - name: value
              in: query
              schema:
                type: string
            - name: callInstance
              in: query
              schema:
                type: string
            - name: from
              in: query
              description: ISO 8601 time with offset.
              schema:
                type: string
                format: date-time
            - name: to
              in: query
              description: ISO 8601 time with offset.
              schema:
                type: string
                format: date-time
            - name: limit
              in: query
              schema:
                type: integer
                minimum: 1
                maximum: 1000
                default: 50
            - name: cursor
              in: query
              description: NextCursor of the previous page.
              schema:
                type: string
          responses:
            '200':
              description: One page.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/RecordingPage'
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '404':
              $ref: '#/components/responses/NotFound'
      /api/Recordings/{id}:
        get:
          operationId: getRecording
          summary: A recording's sidecar
          description: >-
            The sidecar JSON once the recording has ended; while it is open, the index entry with
            its State.
          tags: [Recordings]
          parameters:
            - $ref: '#/components/parameters/RecordingId'
          responses:
            '200':
              description: The sidecar, or the open recording's index entry.
              content:
                application/json:
                  schema:
                    oneOf:
                      - $ref: '#/components/schemas/Sidecar'
                      - $ref: '#/components/schemas/RecordingSummary'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '404':
              $ref: '#/components/responses/NotFound'
      /api/Recordings/{id}/Audio:
        get:
          operationId: getRecordingAudio
          summary: A finished recording's audio file
          description: >-
            Supports a single `Range: bytes=` range. In the `separate` layout each channel is its own
            file and `channel` is required.
          tags: [Recordings]
          parameters:
            - $ref: '#/components/parameters/RecordingId'
            - name: channel
              in: query
              schema:
                type: integer
                minimum: 0
            - name: Range
              in: header
              schema:
                type: string
                example: bytes=0-1023
          responses:
            '200':
              description: The whole file.
              content:
                audio/wav: {}
                audio/flac: {}
                audio/ogg: {}
            '206':
              description: The requested byte range (Content-Range says which).
              content:
                audio/wav: {}
                audio/flac: {}
                audio/ogg: {}
            '400':
              $ref: '#/components/responses/BadRequest'
            '401':
              $ref: '#/components/responses/Unauthorized'
            '404':
              $ref: '#/components/responses/NotFound'
            '409':
              description: The recording is still being written.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/Error'
            '416':
              description: The range lies outside the file (Content-Range gives its size).
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/Error'
      /healthz:
        get:
          operationId: health
          summary: The process is alive
          tags: [Operations]
          security: []
          responses:
            '200':
              description: Alive.
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      Status:
                        type: string
                        const: ok
      /readyz:
        get:
          operationId: readiness
          summary: Capture and storage are usable
          tags: [Operations]
          security: []
          responses:
            '200':
              description: Ready.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/Readiness'
            '503':
              description: Not ready; Detail and Message say why.
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/Readiness'
      /metrics:
        get:
          operationId: metrics
          summary: Prometheus metrics
          description: Needs a read key unless http.publicMetrics is set.
          tags: [Operations]
          responses:
            '200':
              description: Prometheus text exposition.
              content:
                text/plain:
                  schema:
                    type: string
            '401':
              $ref: '#/components/responses/Unauthorized'
      /openapi.yaml:
        get:
          operationId: openAPI
          summary: This document
          tags: [Operations]
          responses:
            '200':
              description: The OpenAPI document.
              content:
                application/yaml:
                  schema:
                    type: string
            '401':
              $ref: '#/components/responses/Unauthorized'
    components:
      securitySchemes:
        apiKey:
          type: http
          scheme: bearer
          description: An API key from the configuration; role read (GET) or control (everything).
      parameters:
        RecordingId:
          name: id
          in: path
          required: true
          schema:
            type: string
            format: uuid
        FaceToFaceId:
          name: id
          in: path
          required: true
          description: A face-to-face recording's Id, or Current with AgentIdentifier and Value in the body.
          schema:
            type: string
      responses:
        BadRequest:
          description: Malformed JSON, a missing or invalid parameter, or a reserved metadata key.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        Unauthorized:
          description: No or wrong API key.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        Forbidden:
          description: The API key lacks the control role.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        NotFound:
          description: No such agent, recording or route, or no call to act on.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        Conflict:
          description: The command conflicts with the face-to-face recording's state or with who started it.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        PayloadTooLarge:
          description: The body is larger than limits.maxBodyBytes.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        Unavailable:
          description: Capture or storage cannot be used.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
      schemas:
        Error:
          type: object
          required: [Code, Message]
          properties:
            Code:
              type: string
              enum: [bad_request, missing_parameter, invalid_identifier, reserved_metadata_key, agent_not_found,
                     no_active_call, call_not_found, conflict, unauthorized, forbidden, payload_too_large,
                     internal, unavailable, not_found, method_not_allowed, range_not_satisfiable]
            Message:
              type: string
        FaceToFaceStream:
          type: object
          required: [Source, Address, Codec]
          properties:
            Source:
              type: string
              enum: [Microphone, Speaker]
            Address:
              type: string
              description: HOST:PORT, IPv6 in brackets.
              example: 10.1.2.3:40000
            Codec:
              type: string
              description: Case-insensitive.
              enum: [opus/48000/2, opus/48000, PCMU/8000, PCMA/8000, G722/8000]
        FaceToFaceTags:
          type: object
          maxProperties: 64
          propertyNames:
            pattern: '^[A-Za-z0-9_.-]{1,64}$'
          additionalProperties:
            type: string
            maxLength: 1024
        FaceToFaceStartCommand:
          allOf:
            - $ref: '#/components/schemas/AgentCommand'
            - type: object
              properties:
                Media:
                  type: string
                  enum: [Audio, Screen, Both]
                  default: Audio
                AudioSource:
                  type: string
                  enum: [Microphone, Speaker, Both]
                  default: Both
                Streams:
                  type: array
                  description: Required when Media records audio.
                  items:
                    $ref: '#/components/schemas/FaceToFaceStream'
                Tags:
                  $ref: '#/components/schemas/FaceToFaceTags'
                TaggedByComponent:
                  type: string
                StartedBy:
                  type: string
                  enum: [Api, Desktop]
                  default: Api
        FaceToFaceSteerCommand:
          type: object
          properties:
            Media:
              type: string
              enum: [Audio, Screen, Both]
              description: The media acted on; absent, every medium the recording runs. Required by Start.
            Controller:
              type: string
              enum: [Api, Desktop]
              default: Api
            AudioSource:
              type: string
              enum: [Microphone, Speaker, Both]
              description: Start of audio only; else the recording's.
            Streams:
              type: array
              description: Start of audio only; else the streams the recording declared.
              items:
                $ref: '#/components/schemas/FaceToFaceStream'
        FaceToFaceTagsCommand:
          type: object
          required: [TaggedByComponent, Tags]
          properties:
            TaggedByComponent:
              type: string
              description: Also accepted as tagged_by_component.
            Tags:
              $ref: '#/components/schemas/FaceToFaceTags'
            Controller:
              type: string
              enum: [Api, Desktop]
              default: Api
        FaceToFaceRecording:
          type: object
          required: [Id, Status, Media, AudioSource, Tags, StartedBy]
          properties:
            Id:
              type: string
            Status:
              type: string
              enum: [Active, Paused, WrapUp, Closed]
            Media:
              type: string
              enum: [Audio, Screen, Both]
            AudioSource:
              type: string
              enum: [Microphone, Speaker, Both]
            Tags:
              type: object
              additionalProperties:
                type: string
            StartedBy:
              type: string
              enum: [Api, Desktop]
            AgentId:
              type: integer
            StartTime:
              type: string
              format: date-time
            StopTime:
              type: [string, 'null']
              format: date-time
            RecordingIdentifiers:
              type: array
              description: The audio recordings, as /api/Recordings lists them.
              items:
                type: string
            AudioStatus:
              type: [string, 'null']
              enum: [Active, Paused, Stopped, null]
              description: The audio on its own; null when the recording has none.
            ScreenStatus:
              type: [string, 'null']
              enum: [Active, Paused, Stopped, null]
              description: The screen on its own; null when the recording has none.
        AgentIdentifier:
          type: string
          description: Matched case-insensitively.
          enum: [Id, Phone, SystemUsername, CrmUsername, Username, DeviceId]
        AgentCommand:
          type: object
          required: [AgentIdentifier, Value]
          properties:
            AgentIdentifier:
              $ref: '#/components/schemas/AgentIdentifier'
            Value:
              type: [string, number]
        CallMetadata:
          type: object
          description: >-
            At most 64 keys matching [A-Za-z0-9_.-]{1,64}, string values of at most 1024 UTF-8 bytes.
            ani, dnis, callid, callinstance, calldirection, starttime, endtime and deviceid are reserved.
          maxProperties: 64
          propertyNames:
            pattern: '^[A-Za-z0-9_.-]{1,64}$'
          additionalProperties:
            type: string
            maxLength: 1024
        StartCommand:
          allOf:
            - $ref: '#/components/schemas/AgentCommand'
            - type: object
              properties:
                CallMetadata:
                  $ref: '#/components/schemas/CallMetadata'
        UpdateCommand:
          allOf:
            - $ref: '#/components/schemas/AgentCommand'
            - type: object
              required: [CallMetadata]
              properties:
                CallMetadata:
                  $ref: '#/components/schemas/CallMetadata'
        DuplicateCommand:
          allOf:
            - $ref: '#/components/schemas/AgentCommand'
            - type: object
              properties:
                CallIdentifier:
                  type: string
                  description: The call's CallInstance or PBX call id; the active call if absent.
        ScreenUpdateCommand:
          allOf:
            - $ref: '#/components/schemas/AgentCommand'
            - type: object
              required: [CallMetadata]
              properties:
                ScreenRecordingIdentifier:
                  type: string
                  description: Also accepted as ScreenRecordingidentifier.
                CallMetadata:
                  $ref: '#/components/schemas/CallMetadata'
        ScreenStopCommand:
          allOf:
            - $ref: '#/components/schemas/AgentCommand'
            - type: object
              properties:
                ScreenRecordingIdentifier:
                  type: string
                  description: Also accepted as ScreenRecordingidentifier.
        BlackoutStartCommand:
          allOf:
            - $ref: '#/components/schemas/AgentCommand'
            - type: object
              properties:
                BlackoutStartTime:
                  type: string
                  description: Wins over TimeOffset. ISO 8601 (2026-11-22T10:15:30.250+01:00), or .NET's invariant
                    DateTimeOffset text (11/22/2026 10:15:30 +01:00); without an offset, in the configured timezone.
                TimeOffset:
                  type: integer
                  description: Whole seconds added to the moment the command is accepted; may be negative.
        BlackoutStopCommand:
          allOf:
            - $ref: '#/components/schemas/AgentCommand'
            - type: object
              properties:
                BlackoutStopTime:
                  type: string
                  description: As BlackoutStartTime.
                TimeOffset:
                  type: integer
        AgentState:
          type: object
          required: [AgentId, BusinessUnit, AgentPhone, SystemUsername, CrmUsername, Username, DeviceId, DeviceAlias,
                     ActiveCall, InactiveCalls, DesktopOnlySessions, Blackout]
          properties:
            AgentId:
              type: integer
            BusinessUnit:
              type: integer
            AgentPhone:
              type: string
            SystemUsername:
              type: string
            CrmUsername:
              type: string
            Username:
              type: [string, 'null']
            DeviceId:
              type: string
            DeviceAlias:
              type: string
            ActiveCall:
              oneOf:
                - $ref: '#/components/schemas/Call'
                - type: 'null'
            InactiveCalls:
              type: array
              items:
                $ref: '#/components/schemas/Call'
            DesktopOnlySessions:
              type: array
              items:
                type: object
                properties:
                  SessionIdentifier:
                    type: string
                  Kind:
                    type: string
                  State:
                    type: string
                  StartTime:
                    type: string
                    format: date-time
            Blackout:
              type: object
              properties:
                Active:
                  type: boolean
                StartTime:
                  type: [string, 'null']
                StopTime:
                  type: [string, 'null']
                Origin:
                  type: [string, 'null']
        Call:
          type: object
          properties:
            CallInstance:
              type: string
            Metadata:
              type: object
              additionalProperties:
                type: string
            CallState:
              type: string
              enum: [Ringing, OnCall, OnHold]
            Recordings:
              type: array
              items:
                type: object
                properties:
                  RecordingIdentifier:
                    type: string
                  IsDuplicate:
                    type: boolean
                  RecordingState:
                    $ref: '#/components/schemas/RecordingState'
                  CallInstance:
                    type: string
            ScreenRecordings:
              type: array
              items:
                type: object
                properties:
                  RelatedCallInstance:
                    type: [string, 'null']
                  ScreenRecordingidentifier:
                    type: string
                    description: Spelt with a lower-case i, as the documented wire format has it.
                  RecordingState:
                    $ref: '#/components/schemas/RecordingState'
        RecordingState:
          type: string
          enum: [Recording, Paused, BlackedOut, Stopped]
        RecordingSummary:
          type: object
          properties:
            RecordingIdentifier:
              type: string
            CallInstance:
              type: string
            AgentId:
              type: [integer, 'null']
            IsDuplicate:
              type: boolean
            Segment:
              type: integer
            StartTime:
              type: string
              format: date-time
            EndTime:
              type: [string, 'null']
            State:
              type: string
            EndReason:
              type: [string, 'null']
            Format:
              type: string
            SampleRate:
              type: integer
            ChannelRoles:
              type: array
              items:
                type: string
            AudioFiles:
              type: integer
            Metadata:
              type: object
              additionalProperties:
                type: string
        RecordingPage:
          type: object
          properties:
            Items:
              type: array
              items:
                $ref: '#/components/schemas/RecordingSummary'
            NextCursor:
              type: [string, 'null']
        Sidecar:
          type: object
          description: The recording's sidecar file, as docs/API.md and the README describe it.
          properties:
            RecordingIdentifier:
              type: string
            CallInstance:
              type: string
            IsDuplicate:
              type: boolean
            AgentId:
              type: [integer, 'null']
            Metadata:
              type: object
            StartTime:
              type: string
            EndTime:
              type: string
            Audio:
              type: object
            Streams:
              type: array
            Blackouts:
              type: array
            Pauses:
              type: array
            Dtmf:
              type: array
            EndReason:
              type: string
            Sha256:
              type: string
            Tags:
              type: object
              description: Face-to-face recordings only, final once the recording is Closed.
              additionalProperties:
                type: string
            TaggedBy:
              type: object
              description: Face-to-face recordings only; per tag key, the TaggedByComponent that set it last.
              additionalProperties:
                type: string
        Readiness:
          type: object
          properties:
            Ready:
              type: boolean
            Capture:
              type: boolean
            Storage:
              type: boolean
            Broker:
              type: boolean
              description: In a cluster only; false while the RabbitMQ broker is not connected.
            Detail:
              type: string
            Code:
              type: string
            Message:
              type: string
    """
}
