// The canonical forms of the chat templates ChatTemplate recognises (data; see
// chat_template_forms.h).
#include "core/text/chat_template_forms.h"

namespace prefstudio {

// Generated from tests/golden/chat_templates/*.jinja by ChatTemplate::canonical_form, with the
// default texts replaced by the placeholders of chat_template_forms.h. One output per line.
// clang-format off
const std::vector<ChatTemplateForm>& known_chat_template_forms() {
  static const std::vector<ChatTemplateForm> forms = {
    {"Qwen2.5 ChatML", true, R"j({%if tools%}
{{'<|im_start|>system\n'}}
{%if messages[0]['role']=='system'%}
{{messages[0]['content']}}
{%else%}
{{'@DEFAULT_SYSTEM@'}}
{%endif%}
{{'\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>'}}
{%for tool in tools%}
{{'\n'}}
{{tool|tojson}}
{%endfor%}
{{'\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n'}}
{%else%}
{%if messages[0]['role']=='system'%}
{{'<|im_start|>system\n'+messages[0]['content']+'<|im_end|>\n'}}
{%else%}
{{'<|im_start|>system\n@DEFAULT_SYSTEM@<|im_end|>\n'}}
{%endif%}
{%endif%}
{%for message in messages%}
{%if(message.role=='user')or(message.role=='system'and not loop.first)or(message.role=='assistant'and not message.tool_calls)%}
{{'<|im_start|>'+message.role+'\n'+message.content+'<|im_end|>'+'\n'}}
{%elif message.role=='assistant'%}
{{'<|im_start|>'+message.role}}
{%if message.content%}
{{'\n'+message.content}}
{%endif%}
{%for tool_call in message.tool_calls%}
{%if tool_call.function is defined%}
{%set tool_call=tool_call.function%}
{%endif%}
{{'\n<tool_call>\n{"name": "'}}
{{tool_call.name}}
{{'", "arguments": '}}
{{tool_call.arguments|tojson}}
{{'}\n</tool_call>'}}
{%endfor%}
{{'<|im_end|>\n'}}
{%elif message.role=='tool'%}
{%if(loop.index0==0)or(messages[loop.index0-1].role!='tool')%}
{{'<|im_start|>user'}}
{%endif%}
{{'\n<tool_response>\n'}}
{{message.content}}
{{'\n</tool_response>'}}
{%if loop.last or(messages[loop.index0+1].role!='tool')%}
{{'<|im_end|>\n'}}
{%endif%}
{%endif%}
{%endfor%}
{%if add_generation_prompt%}
{{'<|im_start|>assistant\n'}}
{%endif%}
)j"},
    {"Qwen2 / SmolLM2 ChatML", true, R"j({%for message in messages%}
{%if loop.first and messages[0]['role']!='system'%}
{{'<|im_start|>system\n@DEFAULT_SYSTEM@<|im_end|>\n'}}
{%endif%}
{{'<|im_start|>'+message['role']+'\n'+message['content']+'<|im_end|>'+'\n'}}
{%endfor%}
{%if add_generation_prompt%}
{{'<|im_start|>assistant\n'}}
{%endif%}
)j"},
    {"plain ChatML", true, R"j({%for message in messages%}
{{'<|im_start|>'+message['role']+'\n'+message['content']+'<|im_end|>'+'\n'}}
{%endfor%}
{%if add_generation_prompt%}
{{'<|im_start|>assistant\n'}}
{%endif%}
)j"},
    {"Llama 3", false, R"j({%set loop_messages=messages%}
{%for message in loop_messages%}
{%set content='<|start_header_id|>'+message['role']+'<|end_header_id|>\n\n'+message['content']|trim+'<|eot_id|>'%}
{%if loop.index0==0%}
{%set content=bos_token+content%}
{%endif%}
{{content}}
{%endfor%}
{%if add_generation_prompt%}
{{'<|start_header_id|>assistant<|end_header_id|>\n\n'}}
{%endif%}
)j"},
    {"Llama 3.1", false, R"j({{bos_token}}
{%if custom_tools is defined%}
{%set tools=custom_tools%}
{%endif%}
{%if not tools_in_user_message is defined%}
{%set tools_in_user_message=true%}
{%endif%}
{%if not date_string is defined%}
{%set date_string='@TODAY_DATE@'%}
{%endif%}
{%if not tools is defined%}
{%set tools=none%}
{%endif%}
{%if messages[0]['role']=='system'%}
{%set system_message=messages[0]['content']|trim%}
{%set messages=messages[1:]%}
{%else%}
{%set system_message=''%}
{%endif%}
{{'<|start_header_id|>system<|end_header_id|>\n\n'}}
{%if builtin_tools is defined or tools is not none%}
{{'Environment: ipython\n'}}
{%endif%}
{%if builtin_tools is defined%}
{{'Tools: '+builtin_tools|reject('equalto','code_interpreter')|join(', ')+'\n\n'}}
{%endif%}
{{'Cutting Knowledge Date: @KNOWLEDGE_DATE@\n'}}
{{'Today Date: '+date_string+'\n\n'}}
{%if tools is not none and not tools_in_user_message%}
{{'You have access to the following functions. To call a function, please respond with JSON for a function call.'}}
{{'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.'}}
{{'Do not use variables.\n\n'}}
{%for t in tools%}
{{t|tojson(indent=4)}}
{{'\n\n'}}
{%endfor%}
{%endif%}
{{system_message}}
{{'<|eot_id|>'}}
{%if tools_in_user_message and not tools is none%}
{%if messages|length!=0%}
{%set first_user_message=messages[0]['content']|trim%}
{%set messages=messages[1:]%}
{%else%}
{{raise_exception('Cannot put tools in the first user message when there\'s no first user message!')}}
{%endif%}
{{'<|start_header_id|>user<|end_header_id|>\n\n'}}
{{'Given the following functions, please respond with a JSON for a function call '}}
{{'with its proper arguments that best answers the given prompt.\n\n'}}
{{'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.'}}
{{'Do not use variables.\n\n'}}
{%for t in tools%}
{{t|tojson(indent=4)}}
{{'\n\n'}}
{%endfor%}
{{first_user_message+'<|eot_id|>'}}
{%endif%}
{%for message in messages%}
{%if not(message.role=='ipython'or message.role=='tool'or'tool_calls'in message)%}
{{'<|start_header_id|>'+message['role']+'<|end_header_id|>\n\n'+message['content']|trim+'<|eot_id|>'}}
{%elif'tool_calls'in message%}
{%if not message.tool_calls|length==1%}
{{raise_exception('This model only supports single tool-calls at once!')}}
{%endif%}
{%set tool_call=message.tool_calls[0].function%}
{%if builtin_tools is defined and tool_call.name in builtin_tools%}
{{'<|start_header_id|>assistant<|end_header_id|>\n\n'}}
{{'<|python_tag|>'+tool_call.name+'.call('}}
{%for arg_name,arg_val in tool_call.arguments|items%}
{{arg_name+'="'+arg_val+'"'}}
{%if not loop.last%}
{{', '}}
{%endif%}
{%endfor%}
{{')'}}
{%else%}
{{'<|start_header_id|>assistant<|end_header_id|>\n\n'}}
{{'{"name": "'+tool_call.name+'", '}}
{{'"parameters": '}}
{{tool_call.arguments|tojson}}
{{'}'}}
{%endif%}
{%if builtin_tools is defined%}
{{'<|eom_id|>'}}
{%else%}
{{'<|eot_id|>'}}
{%endif%}
{%elif message.role=='tool'or message.role=='ipython'%}
{{'<|start_header_id|>ipython<|end_header_id|>\n\n'}}
{%if message.content is mapping or message.content is iterable%}
{{message.content|tojson}}
{%else%}
{{message.content}}
{%endif%}
{{'<|eot_id|>'}}
{%endif%}
{%endfor%}
{%if add_generation_prompt%}
{{'<|start_header_id|>assistant<|end_header_id|>\n\n'}}
{%endif%}
)j"},
    {"Llama 3.2", false, R"j({{bos_token}}
{%if custom_tools is defined%}
{%set tools=custom_tools%}
{%endif%}
{%if not tools_in_user_message is defined%}
{%set tools_in_user_message=true%}
{%endif%}
{%if not date_string is defined%}
{%if strftime_now is defined%}
{%set date_string=strftime_now('%d %b %Y')%}
{%else%}
{%set date_string='@TODAY_DATE@'%}
{%endif%}
{%endif%}
{%if not tools is defined%}
{%set tools=none%}
{%endif%}
{%if messages[0]['role']=='system'%}
{%set system_message=messages[0]['content']|trim%}
{%set messages=messages[1:]%}
{%else%}
{%set system_message=''%}
{%endif%}
{{'<|start_header_id|>system<|end_header_id|>\n\n'}}
{%if tools is not none%}
{{'Environment: ipython\n'}}
{%endif%}
{{'Cutting Knowledge Date: @KNOWLEDGE_DATE@\n'}}
{{'Today Date: '+date_string+'\n\n'}}
{%if tools is not none and not tools_in_user_message%}
{{'You have access to the following functions. To call a function, please respond with JSON for a function call.'}}
{{'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.'}}
{{'Do not use variables.\n\n'}}
{%for t in tools%}
{{t|tojson(indent=4)}}
{{'\n\n'}}
{%endfor%}
{%endif%}
{{system_message}}
{{'<|eot_id|>'}}
{%if tools_in_user_message and not tools is none%}
{%if messages|length!=0%}
{%set first_user_message=messages[0]['content']|trim%}
{%set messages=messages[1:]%}
{%else%}
{{raise_exception('Cannot put tools in the first user message when there\'s no first user message!')}}
{%endif%}
{{'<|start_header_id|>user<|end_header_id|>\n\n'}}
{{'Given the following functions, please respond with a JSON for a function call '}}
{{'with its proper arguments that best answers the given prompt.\n\n'}}
{{'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.'}}
{{'Do not use variables.\n\n'}}
{%for t in tools%}
{{t|tojson(indent=4)}}
{{'\n\n'}}
{%endfor%}
{{first_user_message+'<|eot_id|>'}}
{%endif%}
{%for message in messages%}
{%if not(message.role=='ipython'or message.role=='tool'or'tool_calls'in message)%}
{{'<|start_header_id|>'+message['role']+'<|end_header_id|>\n\n'+message['content']|trim+'<|eot_id|>'}}
{%elif'tool_calls'in message%}
{%if not message.tool_calls|length==1%}
{{raise_exception('This model only supports single tool-calls at once!')}}
{%endif%}
{%set tool_call=message.tool_calls[0].function%}
{{'<|start_header_id|>assistant<|end_header_id|>\n\n'}}
{{'{"name": "'+tool_call.name+'", '}}
{{'"parameters": '}}
{{tool_call.arguments|tojson}}
{{'}'}}
{{'<|eot_id|>'}}
{%elif message.role=='tool'or message.role=='ipython'%}
{{'<|start_header_id|>ipython<|end_header_id|>\n\n'}}
{%if message.content is mapping or message.content is iterable%}
{{message.content|tojson}}
{%else%}
{{message.content}}
{%endif%}
{{'<|eot_id|>'}}
{%endif%}
{%endfor%}
{%if add_generation_prompt%}
{{'<|start_header_id|>assistant<|end_header_id|>\n\n'}}
{%endif%}
)j"},
  };
  return forms;
}
// clang-format on

}  // namespace prefstudio
